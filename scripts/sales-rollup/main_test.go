package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acme/platform/libs/batch"
	"github.com/acme/platform/libs/business/orders"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbconf"
	"github.com/acme/platform/libs/db/dbtest"
	"github.com/acme/platform/libs/db/migrate"
	"github.com/acme/platform/libs/testenv"
	"github.com/acme/platform/scripts/sales-rollup/salesdb"
	ordersmigrations "github.com/acme/platform/services/orders-api/migrations"
	"github.com/acme/platform/services/orders-api/ordersdb"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// env is a local run against a SQLite file and a blob folder in a
// temporary folder, on the repository's config/.
type env struct {
	dir, dsn, exports string
	environ           []string
}

func newEnv(t *testing.T, extra ...string) env {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	e := env{dir: dir, dsn: filepath.Join(dir, "orders.db"), exports: filepath.Join(dir, "exports")}
	e.environ = append([]string{
		"ENV=local", "CONFIG_DIR=" + filepath.Join(root, "config"),
		"SHARED__DATABASE__DSN=file:" + e.dsn, "SHARED__BLOBS__EXPORTS__DIR=" + e.exports,
		"SHARED__LOG__FORMAT=json",
	}, extra...)
	return e
}

func (e env) getenv(k string) string {
	for _, kv := range e.environ {
		if v, ok := strings.CutPrefix(kv, k+"="); ok {
			return v
		}
	}
	return ""
}

func (e env) run(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	err := run(ctx, args, e.getenv, e.environ, &out, &errOut)
	return batch.Code(err), out.String() + errOut.String()
}

// ordersDB makes the orders schema in the run's SQLite file with one day of orders.
func (e env) ordersDB(t *testing.T) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, dbconf.SQLite("orders", e.dsn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	m, err := migrate.New(d, ordersmigrations.Set(), migrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

func seed(t *testing.T, d *db.DB, day string, totals ...int64) {
	t.Helper()
	s := ordersdb.New(d)
	base, _ := time.Parse(batch.DayLayout, day)
	for i, total := range totals {
		at := base.Add(time.Duration(i+1) * time.Hour)
		o := orders.Order{
			ID: day + "-" + string(rune('a'+i)), CustomerID: "c", Region: []string{"eu-west", "us-east"}[i%2], Status: orders.Pending,
			SubtotalCents: total, TotalCents: total, CreatedAt: at, UpdatedAt: at,
			Items: []orders.Item{{SKU: "s", Quantity: 1, UnitPriceCents: total}},
		}
		if _, err := s.Create(context.Background(), o, "", ""); err != nil {
			t.Fatal(err)
		}
	}
}

// summary finds the summary line of a JSON log.
func summary(t *testing.T, log string) map[string]any {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "summary" {
			return m
		}
	}
	t.Fatalf("no summary line in:\n%s", log)
	return nil
}

func TestRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.ordersDB(t)
	seed(t, d, "2026-03-01", 100, 250, 70)
	sumFile := filepath.Join(e.dir, "xcom", "return.json")

	code, log := e.run(t, "--date", "2026-03-01", "--lookback", "1", "--summary-file", sumFile)
	if code != batch.ExitOK {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	s := summary(t, log)
	if s["outcome"] != "ok" || s["rows_written"] != float64(2) || s["day"] != "2026-03-01" || s["job"] != "sales-rollup" {
		t.Errorf("summary = %v", s)
	}
	csv, err := os.ReadFile(filepath.Join(e.exports, "sales-rollup", "daily-sales", "2026-03-01.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "day,region,orders,revenue_cents\n2026-03-01,eu-west,2,170\n2026-03-01,us-east,1,250\n"; string(csv) != want {
		t.Errorf("csv = %q, want %q", csv, want)
	}
	if _, err := os.Stat(filepath.Join(e.exports, "sales-rollup", "daily-sales", "2026-03-01.parquet")); err != nil {
		t.Error(err)
	}
	var sf batch.Summary
	raw, err := os.ReadFile(sumFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &sf); err != nil || sf.ExitCode != 0 || sf.Details["rows_written"] != float64(2) {
		t.Errorf("summary file = %s (%v)", raw, err)
	}

	// Rerun: same rows, not doubled.
	if code, log := e.run(t, "--date", "2026-03-01", "--lookback", "1"); code != 0 {
		t.Fatalf("rerun exit %d:\n%s", code, log)
	}
	rows, err := salesdb.New(d).DailySales(context.Background(), "2026-03-01", "2026-03-01")
	if err != nil || len(rows) != 2 || rows[0].Orders != 2 || rows[1].Orders != 1 {
		t.Errorf("rows after rerun = %+v, %v", rows, err)
	}
}

func TestRunBadInput(t *testing.T) {
	t.Parallel()
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(batch.DayLayout)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"not a day", []string{"--date", "2026-13-01"}, batch.ExitBadInput, `2026-13-01\" is not a day like`},
		{"future", []string{"--date", tomorrow}, batch.ExitBadInput, "is in the future"},
		{"unknown flag", []string{"--day", "2026-03-01"}, batch.ExitBadInput, "flag provided but not defined"},
		{"stray argument", []string{"2026-03-01"}, batch.ExitBadInput, "unexpected arguments"},
		{"unknown format", []string{"--formats", "xlsx"}, batch.ExitBadInput, `unknown format`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			code, log := e.run(t, tt.args...)
			if code != tt.code || !strings.Contains(log, tt.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s", code, tt.code, tt.want, log)
			}
			if s := summary(t, log); s["outcome"] != "bad_input" {
				t.Errorf("summary = %v", s)
			}
			// Nothing written: no database file, no export.
			for _, p := range []string{e.dsn, e.exports} {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("%s exists after bad input", p)
				}
			}
		})
	}
}

func TestRunMissingOrdersSchema(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code, log := e.run(t, "--date", "2026-03-01")
	if code != batch.ExitFailed || !strings.Contains(log, "read orders") {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	if _, err := os.Stat(filepath.Join(e.exports, "sales-rollup", "daily-sales")); !os.IsNotExist(err) {
		t.Errorf("an export was written: %v", err)
	}
}

func TestRunUnreachableDatabase(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "SHARED__DATABASE__DRIVER=postgres", "SHARED__DATABASE__DSN=postgres://orders@127.0.0.1:1/orders?sslmode=disable",
		"SHARED__DATABASE__HOST=127.0.0.1", "SHARED__DATABASE__PORT=1", "SHARED__DATABASE__NAME=orders", "SHARED__DATABASE__USER=orders",
		"SHARED__DATABASE__PASSWORD=not-this-one", "SHARED__DATABASE__CONNECT_TIMEOUT=500ms")
	code, log := e.run(t, "--date", "2026-03-01")
	if code != batch.ExitUnavailable || !strings.Contains(log, "database unreachable") {
		t.Fatalf("exit %d, want %d naming the unreachable database:\n%s", code, batch.ExitUnavailable, log)
	}
	if strings.Contains(log, "not-this-one") {
		t.Errorf("the password is in the output:\n%s", log)
	}
	if s := summary(t, log); s["outcome"] != "unavailable" {
		t.Errorf("summary = %v", s)
	}
	if _, err := os.Stat(e.exports); !os.IsNotExist(err) {
		t.Errorf("exports written although the database was unreachable: %v", err)
	}
}
