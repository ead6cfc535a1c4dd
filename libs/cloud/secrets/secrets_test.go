package secrets_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"go.yaml.in/yaml/v3"

	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/config"

	"github.com/acme/platform/libs/cloud/secrets"
	"github.com/acme/platform/libs/cloud/secrets/secretstest"
)

func TestFile(t *testing.T) {
	t.Parallel()
	secretstest.RunSuite(t, false, func(t *testing.T, seed map[string][]string) secrets.Store {
		dir := t.TempDir()
		latest := map[string]string{}
		for k, vs := range seed {
			latest[k] = vs[len(vs)-1]
		}
		b, err := yaml.Marshal(latest)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "secrets.local.yaml"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		return secrets.NewFile(os.DirFS(dir), "secrets.local.yaml", "config/secrets.local.yaml")
	})
}

func TestOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := secrets.Open(config.Secrets{Provider: "file", File: "s.yaml"}, aws.Config{}, os.DirFS(dir), "config")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*secrets.File); !ok {
		t.Errorf("file provider gave %T", s)
	}
	if s, err := secrets.Open(config.Secrets{Provider: "aws", Prefix: "acme/dev/"}, aws.Config{Region: "eu-west-1"}, nil, ""); err != nil {
		t.Error(err)
	} else if _, ok := s.(*secrets.SecretsManager); !ok {
		t.Errorf("aws provider gave %T", s)
	}
	if _, err := secrets.Open(config.Secrets{Provider: "vault"}, aws.Config{}, nil, ""); !errors.Is(err, cloud.ErrInvalid) {
		t.Errorf("unknown provider: %v", err)
	}
}
