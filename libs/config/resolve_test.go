package config_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/acme/platform/libs/config"
)

// fakeSecrets is a SecretProvider whose values tests change.
type fakeSecrets struct {
	mu     sync.Mutex
	values map[string]config.Versioned
	calls  int
}

func (f *fakeSecrets) GetSecret(_ context.Context, name string) (config.Versioned, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	v, ok := f.values[name]
	if !ok {
		return config.Versioned{}, config.ErrNotFound
	}
	return v, nil
}

func (f *fakeSecrets) set(name, value, version string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.values[name] = config.Versioned{Value: config.NewSecret(value), Version: version}
}

func (f *fakeSecrets) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func mustRef(t *testing.T, s string) config.Ref {
	t.Helper()
	r, err := config.ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestResolverCacheTTL(t *testing.T) {
	t.Parallel()
	fake := &fakeSecrets{values: map[string]config.Versioned{}}
	fake.set("db", `{"password":"one","user":"app"}`, "v1")
	now := time.Unix(0, 0)
	r := config.NewResolver(config.ResolverOptions{Secrets: fake, TTL: time.Minute, Now: func() time.Time { return now }})
	ctx := context.Background()
	steps := []struct {
		advance     time.Duration
		ref         string
		wantValue   string
		wantVersion string
		wantCalls   int
	}{
		{0, "secret://db#password", "one", "v1", 1},
		{10 * time.Second, "secret://db#user", "app", "v1", 1}, // same secret, cached
		{time.Minute, "secret://db#password", "two", "v2", 2},  // TTL over: fetched again
		{0, "secret://db", `{"password":"two","user":"app"}`, "v2", 2},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if i == 2 {
			fake.set("db", `{"password":"two","user":"app"}`, "v2")
		}
		got, err := r.Resolve(ctx, mustRef(t, s.ref))
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got.Value.Reveal() != s.wantValue || got.Version != s.wantVersion || fake.count() != s.wantCalls {
			t.Errorf("step %d: got %q %s after %d calls, want %q %s after %d", i, got.Value.Reveal(), got.Version, fake.count(), s.wantValue, s.wantVersion, s.wantCalls)
		}
	}
}

func TestResolverWatchGetsRotatedValue(t *testing.T) {
	t.Parallel()
	fake := &fakeSecrets{values: map[string]config.Versioned{}}
	fake.set("db", `{"password":"old"}`, "v1")
	r := config.NewResolver(config.ResolverOptions{Secrets: fake})
	ctx, cancel := context.WithCancel(context.Background())
	ch := r.Watch(ctx, mustRef(t, "secret://db#password"), "v1", 10*time.Millisecond)
	fake.set("db", `{"password":"new"}`, "v2")
	select {
	case v := <-ch:
		if v.Value.Reveal() != "new" || v.Version != "v2" {
			t.Errorf("watch got %q %s, want new v2", v.Value.Reveal(), v.Version)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no rotated value within 5s")
	}
	// After the rotation, Resolve sees the new value from the refreshed cache.
	if got, _ := r.Resolve(ctx, mustRef(t, "secret://db#password")); got.Value.Reveal() != "new" {
		t.Errorf("Resolve after rotation = %q", got.Value.Reveal())
	}
	cancel()
	for range ch { // closed when ctx ends
	}
}

func TestSectionWatch(t *testing.T) {
	t.Parallel()
	fake := &fakeSecrets{values: map[string]config.Versioned{}}
	fake.set("db", `{"password":"old"}`, "v1")
	o := opts(map[string]string{"dev.yaml": "shared:\n  secrets:\n    provider: aws\n    watch_interval: 1s\nmy-app:\n  password: secret://db#password\n"}, "dev")
	o.Secrets = fake
	a, sec, err := decodeApp(t, o)
	if err != nil {
		t.Fatal(err)
	}
	if a.Password.Reveal() != "old" {
		t.Fatalf("password = %q", a.Password.Reveal())
	}
	if _, err := sec.Watch(context.Background(), "my-app.name"); err == nil {
		t.Errorf("Watch of a key no reference sets: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := sec.Watch(ctx, "my-app.password")
	if err != nil {
		t.Fatal(err)
	}
	fake.set("db", `{"password":"new"}`, "v2")
	select {
	case v := <-ch:
		if v.Value.Reveal() != "new" {
			t.Errorf("watch got %q", v.Value.Reveal())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no rotated value within 10s")
	}
}

func TestParseRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    config.Ref
		wantErr string
	}{
		{"secret://orders-db#password", config.Ref{Kind: config.RefSecret, Name: "orders-db", Key: "password"}, ""},
		{"secret://jwt", config.Ref{Kind: config.RefSecret, Name: "jwt"}, ""},
		{"ssm:///acme/dev/s3/exports/bucket", config.Ref{Kind: config.RefSSM, Name: "/acme/dev/s3/exports/bucket"}, ""},
		{"ssm://acme/dev/x", config.Ref{Kind: config.RefSSM, Name: "/acme/dev/x"}, ""},
		{"file:///var/run/secrets/db/password", config.Ref{Kind: config.RefFile, Name: "/var/run/secrets/db/password"}, ""},
		{"secret://#key", config.Ref{}, "want secret://<name>#<key>"},
		{"vault://x", config.Ref{}, `unknown scheme "vault"`},
		{"file://", config.Ref{}, "want file://<path>"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := config.ParseRef(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			tt.want.Raw = tt.in
			if err != nil || got != tt.want {
				t.Errorf("ParseRef = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestUnreachableAWS points the AWS providers at a closed loopback port: the
// error is clear, comes fast, and later references fail without waiting.
func TestUnreachableAWS(t *testing.T) {
	t.Parallel()
	dev := "shared:\n  aws:\n    endpoint: http://127.0.0.1:1\n  secrets:\n    provider: aws\n    prefix: acme/dev/\nmy-app:\n  password: secret://db#password\n  name: ssm:///acme/dev/name\n  url: ssm:///acme/dev/url\n"
	o := opts(map[string]string{"dev.yaml": dev}, "dev")
	o.AWS = &aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")}
	o.Timeout = 5 * time.Second
	start := time.Now()
	_, _, err := decodeApp(t, o)
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("took %s", took)
	}
	if !errors.Is(err, config.ErrUnavailable) || !errors.Is(err, config.ErrUnresolved) {
		t.Fatalf("error is not ErrUnavailable and ErrUnresolved: %v", err)
	}
	for _, want := range []string{
		"config/dev.yaml:8: my-app.password: cannot resolve secret://db#password: provider unavailable: secrets manager: cannot reach AWS for secret acme/dev/db",
		"config/dev.yaml:9: my-app.name: cannot resolve ssm:///acme/dev/name: provider unavailable: ssm: cannot reach AWS for parameter /acme/dev/name",
		"connection refused",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error\n%v\nlacks %q", err, want)
		}
	}
}
