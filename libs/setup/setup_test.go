package setup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel"

	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/telemetry"
)

// folder writes a configuration folder holding files (name -> content).
func folder(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func getenv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// sqlite is the shared section every test folder needs (the database is
// required); the tests add to it.
const sqlite = "shared:\n  database: {dsn: unused.db}\n"

const pricingBase = sqlite + "pricing:\n  http: {listen: \"127.0.0.1:8081\"}\n"

func TestLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		files    map[string]string
		vars     map[string]string
		environ  []string
		section  string
		wantErr  []string // parts of the error; nil: no error
		sentinel error
	}{
		{name: "own section and shared", files: map[string]string{"base.yaml": pricingBase}, section: components.PricingName},
		{name: "shared only", files: map[string]string{"base.yaml": sqlite + "  log: {level: warn}\n"}},
		{name: "env file", files: map[string]string{"base.yaml": pricingBase, "local.yaml": "shared:\n  log: {level: debug}\n"},
			vars: map[string]string{"ENV": "local"}, section: components.PricingName},
		{name: "unknown key names file, line and key", files: map[string]string{"base.yaml": pricingBase + "  currenzy: EUR\n"}, section: components.PricingName,
			wantErr: []string{"base.yaml:5", "pricing.currenzy", `unknown key "currenzy"`}, sentinel: config.ErrUnknownKey},
		{name: "invalid value names the key", files: map[string]string{"base.yaml": sqlite + "  log: {level: loud}\n"},
			wantErr: []string{"base.yaml:3", "shared.log.level", "loud"}, sentinel: config.ErrInvalid},
		{name: "variable layer", files: map[string]string{"base.yaml": pricingBase}, environ: []string{"PRICING__HTTP__LISTEN=nonsense"}, section: components.PricingName,
			wantErr: []string{"PRICING__HTTP__LISTEN", "pricing.http.listen"}, sentinel: config.ErrInvalid},
		{name: "no base.yaml names the file", files: map[string]string{}, wantErr: []string{"base.yaml"}},
		{name: "unknown environment", files: map[string]string{"base.yaml": pricingBase}, vars: map[string]string{"ENV": "bogus"},
			wantErr: []string{`"bogus"`}, sentinel: config.ErrUnknownEnv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := folder(t, tt.files)
			vars := map[string]string{"CONFIG_DIR": dir}
			for k, v := range tt.vars {
				vars[k] = v
			}
			p, err := Load(context.Background(), Options{Program: "pricing", Section: tt.section, Getenv: getenv(vars), Environ: tt.environ, Stdout: io.Discard}, components.DefaultPricing())
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				defer p.Close()
				if p.ConfigDir != dir || p.WorkDir == "" || p.Log == nil || p.Metrics == nil {
					t.Errorf("program = %+v", p)
				}
				return
			}
			if err == nil {
				p.Close()
				t.Fatal("Load: no error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("error %v is not %v", err, tt.sentinel)
			}
		})
	}
}

// TestLoadDefaultFolder: without CONFIG_DIR the folder is config, relative
// to the working folder.
func TestLoadDefaultFolder(t *testing.T) {
	t.Parallel()
	_, err := Load(context.Background(), Options{Program: "x", Getenv: getenv(nil)}, struct{}{})
	if err == nil || !strings.Contains(err.Error(), "config/base.yaml") {
		t.Errorf("Load without CONFIG_DIR in a folder without config/: %v", err)
	}
}

// TestLoggerFromConfig: shared.log sets the format and level; every line
// carries the program.
func TestLoggerFromConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		yaml     string
		environ  []string
		buffered bool
		want     []string
		notWant  []string
	}{
		{"json info", sqlite + "  log: {level: info, format: json}\n", nil, false,
			[]string{`"level":"INFO"`, `"program":"job"`, `"msg":"starting"`, `"env":"local"`, `"version":"dev"`, `"k":"v"`}, []string{"debug line"}},
		{"text debug", sqlite + "  log: {level: debug, format: text}\n", nil, true,
			[]string{"level=INFO", "program=job", "msg=starting", "debug line"}, []string{`"level"`}},
		{"variable wins", sqlite + "  log: {level: debug, format: text}\n", []string{"SHARED__LOG__LEVEL=warn"}, false,
			nil, []string{"starting", "debug line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			dir := folder(t, map[string]string{"base.yaml": tt.yaml})
			p, err := Load(context.Background(), Options{Program: "job", BufferLogs: tt.buffered, Getenv: getenv(map[string]string{"CONFIG_DIR": dir}), Environ: tt.environ, Stdout: &out}, struct{}{})
			if err != nil {
				t.Fatal(err)
			}
			p.Starting("k", "v")
			p.Log.Debug("debug line")
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("log has no %q:\n%s", w, out.String())
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out.String(), w) {
					t.Errorf("log has %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestTracingFromConfig: shared.telemetry.otlp_endpoint makes the program
// export its spans there (OTLP/HTTP), and Close sends what is pending. It
// is not parallel: tracing is the process's global provider.
func TestTracingFromConfig(t *testing.T) {
	var posts atomic.Int32
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/traces" && r.Method == http.MethodPost {
			posts.Add(1)
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	dir := folder(t, map[string]string{"base.yaml": sqlite + "  telemetry: {otlp_endpoint: \"" + collector.URL + "\", sample_ratio: 1}\n"})
	p, err := Load(context.Background(), Options{Program: "job", Getenv: getenv(map[string]string{"CONFIG_DIR": dir}), Stdout: io.Discard}, struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	want := telemetry.OTLP(collector.URL, 1)
	if p.Tracing != want {
		t.Errorf("tracing = %+v, want %+v", p.Tracing, want)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "work")
	span.End()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if posts.Load() == 0 {
		t.Error("the collector got no spans")
	}

	// Without an endpoint tracing is off.
	dir = folder(t, map[string]string{"base.yaml": sqlite})
	p, err = Load(context.Background(), Options{Program: "job", Getenv: getenv(map[string]string{"CONFIG_DIR": dir})}, struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Tracing.Exporter != "none" {
		t.Errorf("tracing = %+v, want off", p.Tracing)
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if code := exitCode(&out, "pricing", nil); code != 0 || out.Len() != 0 {
		t.Errorf("nil error: exit %d, wrote %q", code, out.String())
	}
	code := exitCode(&out, "pricing", errors.New("listen: address in use"))
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil || code != 1 ||
		line["program"] != "pricing" || line["msg"] != "pricing stopped" || line["err"] != "listen: address in use" {
		t.Errorf("exit %d, line %s (%v)", code, out.String(), err)
	}
}
