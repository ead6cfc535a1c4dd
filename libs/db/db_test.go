package db_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"string literal", `SELECT * FROM users WHERE email = 'a@b.c'`, `SELECT * FROM users WHERE email = ?`},
		{"doubled quote", `INSERT INTO t (s) VALUES ('it''s secret')`, `INSERT INTO t (s) VALUES (?)`},
		{"escape string", `SELECT E'line\'s\n'`, `SELECT ?`},
		{"numbers", `SELECT * FROM t WHERE id = 42 AND x > 3.5e-2 LIMIT 10`, `SELECT * FROM t WHERE id = ? AND x > ? LIMIT ?`},
		{"placeholders kept", `SELECT * FROM t WHERE id = $1 AND n = $12`, `SELECT * FROM t WHERE id = $1 AND n = $12`},
		{"identifiers kept", `SELECT "col 1", t2.x1 FROM "t'x" AS t2`, `SELECT "col 1", t2.x1 FROM "t'x" AS t2`},
		{"dollar quoted", `SELECT $tag$ secret $tag$, 1`, `SELECT ?, ?`},
		{"bytes", `INSERT INTO b VALUES ('\x0102')`, `INSERT INTO b VALUES (?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, db.Redact(tt.in)); diff != "" {
				t.Errorf("Redact(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// sized gives c the pool and timeouts that shared.database's defaults give
// (libs/db/dbconf maps them): Open requires them set.
func sized(c db.Config) db.Config {
	c.MaxConns, c.ConnectTimeout, c.QueryTimeout = 10, 5*time.Second, 30*time.Second
	return c
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	pg := sized(db.Config{Driver: db.Postgres, Host: "h", Port: 5432, Database: "d", User: "u", SSLMode: "require"})
	tests := []struct {
		name    string
		cfg     db.Config
		wantErr string // "" means valid
	}{
		{"postgres parts", pg, ""},
		{"postgres dsn", sized(db.Config{Driver: db.Postgres, DSN: "postgres://u@h/d"}), ""},
		{"sqlite", sized(db.Config{Driver: db.SQLite, Path: "x.db"}), ""},
		{"no driver", db.Config{}, "driver is not set"},
		{"unknown driver", db.Config{Driver: "mysql"}, `unknown driver "mysql"`},
		{"sqlite without path", db.Config{Driver: db.SQLite}, "needs path"},
		{"postgres without host", db.Config{Driver: db.Postgres, Database: "d", User: "u"}, "needs host"},
		{"postgres without sslmode", func() db.Config { c := pg; c.SSLMode = ""; return c }(), "needs sslMode"},
		{"iam without region", func() db.Config { c := pg; c.IAMAuth = true; return c }(), "needs region"},
		{"iam without tls", func() db.Config { c := pg; c.IAMAuth, c.Region, c.SSLMode = true, "eu-west-1", "disable"; return c }(), "needs TLS"},
		{"bad cache", func() db.Config { c := pg; c.StatementCache = "lru"; return c }(), "unknown statementCache"},
		{"pool sizes", func() db.Config { c := pg; c.MinConns, c.MaxConns = 5, 2; return c }(), "pool sizes"},
		{"no pool size", func() db.Config { c := pg; c.MaxConns = 0; return c }(), "pool sizes"},
		{"no timeouts", func() db.Config { c := pg; c.QueryTimeout = 0; return c }(), "queryTimeout must be set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.wantErr)
			case tt.wantErr != "" && !errors.Is(err, db.ErrInvalidConfig):
				t.Fatalf("Validate() = %v, want errors.Is ErrInvalidConfig", err)
			}
		})
	}
}

const planted = "pl4nted-S3cret"

func TestConfigNeverPrintsPassword(t *testing.T) {
	t.Parallel()
	for _, cfg := range []db.Config{
		{Name: "a", Driver: db.Postgres, Host: "h", Database: "d", User: "u", Password: planted},
		{Name: "b", Driver: db.Postgres, DSN: "postgres://u:" + planted + "@h/d"},
	} {
		var sb strings.Builder
		for _, s := range []string{cfg.String(), cfg.LogValue().String()} {
			sb.WriteString(s)
		}
		if strings.Contains(sb.String(), planted) {
			t.Errorf("config printed its password: %s", sb.String())
		}
	}
}

func TestOpenMalformedDSNHidesPassword(t *testing.T) {
	t.Parallel()
	dsns := []string{
		"postgres://app:" + planted + "@127.0.0.1:notaport/orders",
		"host=127.0.0.1 password=" + planted + " port=notaport",
		"postgres://app:" + planted + "@[::1/orders",
		"host='unterminated password=" + planted,
	}
	for _, dsn := range dsns {
		_, err := db.Open(context.Background(), sized(db.Config{Name: "orders", Driver: db.Postgres, DSN: dsn}))
		if err == nil {
			t.Fatalf("Open(%q) succeeded", "[dsn]")
		}
		if strings.Contains(err.Error(), planted) {
			t.Errorf("error shows the password: %v", err)
		}
		if !errors.Is(err, db.ErrInvalidConfig) {
			t.Errorf("error %v is not ErrInvalidConfig", err)
		}
	}
}

func TestOpenUnreachableRetriesThenFailsWithoutPassword(t *testing.T) {
	t.Parallel()
	// A port nothing listens on: bind, note it, close.
	port := closedPort(t)
	cfg := sized(db.Config{
		Name: "orders", Driver: db.Postgres, Host: "127.0.0.1", Port: port, Database: "orders", User: "app",
		Password: planted, SSLMode: "disable", ConnectAttempts: 3,
	})
	cfg.ConnectTimeout = time.Second
	start := time.Now()
	_, err := db.Open(context.Background(), cfg)
	if err == nil {
		t.Fatal("Open succeeded against a closed port")
	}
	if !errors.Is(err, db.ErrUnreachable) {
		t.Errorf("error %v is not ErrUnreachable", err)
	}
	if strings.Contains(err.Error(), planted) {
		t.Errorf("error shows the password: %v", err)
	}
	if !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("error %q does not say how often it tried", err)
	}
	// Two backoff pauses of about 200 ms and 400 ms (+-20%).
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("gave up after %s: expected backoff between attempts", d)
	}
}
