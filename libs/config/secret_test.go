package config_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/acme/platform/libs/config"
)

const plant = "hunter2-canary-value"

type holder struct {
	Name     string
	Password config.Secret
	List     []config.Secret
	Map      map[string]config.Secret
}

func TestSecretRedacted(t *testing.T) {
	t.Parallel()
	s := config.NewSecret(plant)
	h := holder{Name: "db", Password: s, List: []config.Secret{s}, Map: map[string]config.Secret{"k": s}}
	render := map[string]func() (string, error){
		"%v":         func() (string, error) { return fmt.Sprintf("%v", s), nil },
		"%s":         func() (string, error) { return fmt.Sprintf("%s", s), nil },
		"%q":         func() (string, error) { return fmt.Sprintf("%q", s), nil },
		"%x":         func() (string, error) { return fmt.Sprintf("%x", s), nil },
		"%#v":        func() (string, error) { return fmt.Sprintf("%#v", s), nil },
		"%+v struct": func() (string, error) { return fmt.Sprintf("%+v", h), nil },
		"%#v struct": func() (string, error) { return fmt.Sprintf("%#v", h), nil },
		"pointer":    func() (string, error) { return fmt.Sprintf("%v", &s), nil },
		"json":       func() (string, error) { b, err := json.Marshal(h); return string(b), err },
		"yaml":       func() (string, error) { b, err := yaml.Marshal(h); return string(b), err },
		"slog json": func() (string, error) {
			var buf bytes.Buffer
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "password", s, "holder", h)
			return buf.String(), nil
		},
		"slog text": func() (string, error) {
			var buf bytes.Buffer
			slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "password", s, "holder", h)
			return buf.String(), nil
		},
		"error": func() (string, error) { return fmt.Errorf("connect with %v: %w", s, fmt.Errorf("%s", s)).Error(), nil },
	}
	for name, f := range render {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out, err := f()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out, plant) || strings.Contains(out, fmt.Sprintf("%x", plant)) {
				t.Errorf("output holds the secret: %s", out)
			}
			if !strings.Contains(out, config.Redacted) {
				t.Errorf("output lacks %s: %s", config.Redacted, out)
			}
		})
	}
}

func TestSecretRevealAndCompare(t *testing.T) {
	t.Parallel()
	a, b := config.NewSecret(plant), config.NewSecret(plant)
	if a.Reveal() != plant {
		t.Errorf("Reveal = %q", a.Reveal())
	}
	if !a.Equal(b) || a.Equal(config.NewSecret("other")) {
		t.Errorf("Equal is wrong")
	}
	if diff := cmp.Diff(holder{Password: a}, holder{Password: b}); diff != "" {
		t.Errorf("cmp.Diff of equal secrets: %s", diff)
	}
	// Unequal secrets are reported by go-cmp with their values (it reads the
	// unexported field); that is test output about test fixtures only.
	if cmp.Equal(holder{Password: a}, holder{Password: config.NewSecret("x")}) {
		t.Errorf("cmp.Equal of different secrets is true")
	}
	if !(config.Secret{}).IsZero() || a.IsZero() {
		t.Errorf("IsZero is wrong")
	}
}
