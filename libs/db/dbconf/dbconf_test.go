package dbconf_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbconf"
	"github.com/acme/platform/libs/testenv"
)

func TestFromShared(t *testing.T) {
	t.Parallel()
	sqlite := components.DefaultShared()
	sqlite.Database.DSN = config.NewSecret("file:.mono/data/orders.db?cache=shared")
	pg := components.DefaultShared()
	pg.Database.Driver = "postgres"
	pg.Database.Host, pg.Database.Name, pg.Database.User = "db.internal", "orders", "orders_app"
	pg.Database.Password = config.NewSecret("s3cret")
	pg.Database.SSLMode, pg.Database.IAMAuth = "verify-full", true
	pgDefaults := components.DefaultShared()
	pgDefaults.Database.Driver = "postgres"
	pgDefaults.Database.Host, pgDefaults.Database.Name, pgDefaults.Database.User = "db.internal", "orders", "orders_app"
	tests := []struct {
		name string
		in   components.Shared
		want db.Config
	}{
		{"sqlite relative to base", sqlite, db.Config{
			Name: "orders", Driver: db.SQLite, Path: "/repo/.mono/data/orders.db", MaxConns: 10,
			MaxConnLifetime: 30 * time.Minute, ConnectTimeout: 5 * time.Second, QueryTimeout: 30 * time.Second,
		}},
		{"postgres", pg, db.Config{
			Name: "orders", Driver: db.Postgres, Host: "db.internal", Port: 5432, Database: "orders", User: "orders_app",
			Password: "s3cret", SSLMode: "verify-full", IAMAuth: true, Region: "eu-central-1", MaxConns: 10,
			MaxConnLifetime: 30 * time.Minute, ConnectTimeout: 5 * time.Second, QueryTimeout: 30 * time.Second,
		}},
		{"postgres defaults: require TLS", pgDefaults, db.Config{
			Name: "orders", Driver: db.Postgres, Host: "db.internal", Port: 5432, Database: "orders", User: "orders_app",
			SSLMode: "require", Region: "eu-central-1", MaxConns: 10,
			MaxConnLifetime: 30 * time.Minute, ConnectTimeout: 5 * time.Second, QueryTimeout: 30 * time.Second,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := dbconf.FromShared("orders", tt.in, "/repo")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FromShared (-want +got):\n%s", diff)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("mapped config invalid: %v", err)
			}
		})
	}
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	want := db.Config{
		Name: "test", Driver: db.SQLite, Path: "/tmp/x.db", MaxConns: 10,
		MaxConnLifetime: 30 * time.Minute, ConnectTimeout: 5 * time.Second, QueryTimeout: 30 * time.Second,
	}
	if diff := cmp.Diff(want, dbconf.SQLite("test", "/tmp/x.db")); diff != "" {
		t.Errorf("SQLite (-want +got):\n%s", diff)
	}
}

// fakeRefs resolves every secret:// and ssm:// reference to a placeholder.
type fakeRefs struct{}

func (fakeRefs) GetSecret(context.Context, string) (config.Versioned, error) {
	return config.Versioned{Value: config.NewSecret(`{"password": "x"}`)}, nil
}

func (fakeRefs) GetParameter(_ context.Context, path string) (config.Versioned, error) {
	if strings.Contains(path, "url") {
		return config.Versioned{Value: config.NewSecret("https://example.com/" + path)}, nil
	}
	return config.Versioned{Value: config.NewSecret("db.internal")}, nil
}

// shared loads the shared section of env from fsys.
func shared(t *testing.T, fsys fstest.MapFS, env string, environ ...string) (components.Shared, error) {
	t.Helper()
	set, err := config.Load(config.Options{
		FS: fsys, Dir: "config", Env: env, Environ: environ, Sections: components.Names(),
		Secrets: fakeRefs{}, Params: fakeRefs{},
	})
	if err != nil {
		return components.Shared{}, err
	}
	s := components.DefaultShared()
	_, err = set.Decode(context.Background(), components.SharedName, &s)
	return s, err
}

// repoConfig is the repository's config folder as a MapFS.
func repoConfig(t *testing.T) fstest.MapFS {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "config", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "secrets.") || strings.HasSuffix(f, ".override.yaml") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fsys[filepath.Base(f)] = &fstest.MapFile{Data: data}
	}
	return fsys
}

// TestSSLModePerEnv: require is the one default; the cloud environments
// ask for verify-full; local is SQLite, and a PostgreSQL override there
// gets require unless it says otherwise.
func TestSSLModePerEnv(t *testing.T) {
	t.Parallel()
	pgVars := []string{"SHARED__DATABASE__DRIVER=postgres", "SHARED__DATABASE__HOST=localhost", "SHARED__DATABASE__NAME=orders", "SHARED__DATABASE__USER=me"}
	bare := fstest.MapFS{"base.yaml": {}, "dev.yaml": {Data: []byte("shared:\n  database:\n    driver: postgres\n    host: h\n    name: orders\n    user: u\n")}}
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		env     string
		environ []string
		driver  db.Driver
		ssl     string
	}{
		{"repo local", repoConfig(t), "local", nil, db.SQLite, ""},
		{"repo local with a PostgreSQL override", repoConfig(t), "local", pgVars, db.Postgres, "require"},
		{"repo local with a PostgreSQL override, TLS off", repoConfig(t), "local", append(pgVars, "SHARED__DATABASE__SSL_MODE=disable"), db.Postgres, "disable"},
		{"repo dev", repoConfig(t), "dev", nil, db.Postgres, "verify-full"},
		{"repo staging", repoConfig(t), "staging", nil, db.Postgres, "verify-full"},
		{"repo prod", repoConfig(t), "prod", nil, db.Postgres, "verify-full"},
		{"an env file without ssl_mode", bare, "dev", nil, db.Postgres, "require"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := shared(t, tt.fsys, tt.env, tt.environ...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := dbconf.FromShared("orders", s, "/repo")
			if err != nil {
				t.Fatal(err)
			}
			if got.Driver != tt.driver || got.SSLMode != tt.ssl {
				t.Errorf("driver %s, sslmode %q; want %s, %q", got.Driver, got.SSLMode, tt.driver, tt.ssl)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("mapped config invalid: %v", err)
			}
		})
	}
}

// TestValidationNamesTheKey: the configuration's validation, not libs/db,
// rejects bad database settings, naming the key.
func TestValidationNamesTheKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		set  map[string]string // keys of shared.database over a valid postgres section
		want string
	}{
		{"ssl mode", map[string]string{"ssl_mode": "sometimes"}, `shared.database.ssl_mode: must be one of disable, prefer, require, verify-ca, verify-full, got "sometimes"`},
		{"postgres needs a host", map[string]string{"host": `""`}, `shared.database.host: is required when driver is postgres`},
		{"pool sizes", map[string]string{"max_conns": "2", "min_conns": "5"}, `shared.database.min_conns: must be at most max_conns, got "5"`},
		{"pool bound", map[string]string{"max_conns": "0"}, `shared.database.max_conns: must be at least 1, got "0"`},
		{"timeout", map[string]string{"query_timeout": "1ms"}, `shared.database.query_timeout: must be at least 100ms, got "1ms"`},
		{"driver", map[string]string{"driver": "mysql"}, `shared.database.driver: must be one of sqlite, postgres, got "mysql"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			keys := map[string]string{"driver": "postgres", "host": "h", "name": "orders", "user": "u"}
			maps.Copy(keys, tt.set)
			dev := "shared:\n  database:\n"
			for _, k := range slices.Sorted(maps.Keys(keys)) {
				dev += "    " + k + ": " + keys[k] + "\n"
			}
			_, err := shared(t, fstest.MapFS{"base.yaml": {}, "dev.yaml": {Data: []byte(dev)}}, "dev")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestFromSharedUnknownDriver(t *testing.T) {
	t.Parallel()
	s := components.DefaultShared()
	s.Database.Driver = "mysql"
	if _, err := dbconf.FromShared("orders", s, "/repo"); !errors.Is(err, db.ErrInvalidConfig) || !strings.Contains(err.Error(), "shared.database.driver") {
		t.Errorf("error %v, want ErrInvalidConfig naming shared.database.driver", err)
	}
}
