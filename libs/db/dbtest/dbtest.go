// Package dbtest gives tests real databases: a PostgreSQL server started
// from the local binaries once per test binary, a template database per
// migration set (migrated once), and a fresh clone of it per test; and the
// SQLite equivalent in a temporary file. ForEachDriver runs the same test on
// both, which is how store tests keep the dialects honest.
//
// Use it from a test package with
//
//	func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
//
// so the shared server is stopped when the tests end (without it the server
// still dies with the test binary, but leaves its temporary folder).
// PostgreSQL tests are integration tests: they skip under -short.
package dbtest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbconf"
	"github.com/acme/platform/libs/db/migrate"
)

// shared is the one server of a test binary, started on first use. It is
// package state on purpose: a server per test would cost seconds each.
var shared struct {
	mu  sync.Mutex
	srv *Server
	err error
}

// Main runs the tests and stops the shared server afterwards; call it from
// TestMain and pass its result to os.Exit.
func Main(m *testing.M) int {
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv != nil {
		_ = shared.srv.Stop()
		shared.srv = nil
	}
	return code
}

// Postgres returns the test binary's shared server, starting it on first
// use. It skips the test under -short and fails it when the server cannot
// start.
func Postgres(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("dbtest: PostgreSQL tests are integration tests; skipped under -short")
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv == nil && shared.err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		shared.srv, shared.err = Start(ctx)
	}
	if shared.err != nil {
		t.Fatalf("start PostgreSQL: %v", shared.err)
	}
	return shared.srv
}

// NewPostgresConfig clones the set's template into a fresh database, drops
// it when the test ends, and returns its config.
func NewPostgresConfig(t testing.TB, set migrate.Set) db.Config {
	t.Helper()
	srv := Postgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	name, err := srv.CreateDatabase(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.DropDatabase(ctx, name); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	return srv.Config(name)
}

// NewPostgres returns an open DB on a fresh clone of the set's template,
// closed and dropped when the test ends. cfg adjusts the config (may be nil).
func NewPostgres(t testing.TB, set migrate.Set, adjust func(*db.Config)) *db.DB {
	t.Helper()
	cfg := NewPostgresConfig(t, set)
	if adjust != nil {
		adjust(&cfg)
	}
	return open(t, cfg)
}

// NewSQLiteConfig returns the config of a new SQLite file in the test's
// temporary folder with the set migrated up (a zero set leaves it empty).
func NewSQLiteConfig(t testing.TB, set migrate.Set) db.Config {
	t.Helper()
	cfg := dbconf.SQLite("test", filepath.Join(t.TempDir(), "test.db"))
	if set.FS != nil {
		d := open(t, cfg)
		m, err := migrate.New(d, set, migrate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(context.Background()); err != nil {
			t.Fatal(err)
		}
		_ = d.Close()
	}
	return cfg
}

// NewSQLite returns an open DB on a new SQLite file with the set migrated
// up, closed when the test ends. adjust may be nil.
func NewSQLite(t testing.TB, set migrate.Set, adjust func(*db.Config)) *db.DB {
	t.Helper()
	cfg := NewSQLiteConfig(t, set)
	if adjust != nil {
		adjust(&cfg)
	}
	return open(t, cfg)
}

// ForEachDriver runs fn as parallel subtests "postgres" and "sqlite", each
// with its own fresh database migrated with set. The postgres subtest skips
// under -short.
func ForEachDriver(t *testing.T, set migrate.Set, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, drv := range migrate.Dialects {
		t.Run(string(drv), func(t *testing.T) {
			t.Parallel()
			var d *db.DB
			switch drv {
			case db.Postgres:
				d = NewPostgres(t, set, nil)
			case db.SQLite:
				d = NewSQLite(t, set, nil)
			}
			fn(t, d)
		})
	}
}

func open(t testing.TB, cfg db.Config) *db.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}
