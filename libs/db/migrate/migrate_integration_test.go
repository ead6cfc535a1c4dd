package migrate_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbtest"
	"github.com/acme/platform/libs/db/migrate"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// ddl holds per-dialect table definitions for the test sets.
var ddl = map[db.Driver]map[string]string{
	db.Postgres: {
		"a": "CREATE TABLE a (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL);",
		"b": "CREATE TABLE b (id BIGSERIAL PRIMARY KEY, a_id BIGINT REFERENCES a (id));",
		"c": "CREATE TABLE c (id BIGSERIAL PRIMARY KEY);",
	},
	db.SQLite: {
		"a": "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL);",
		"b": "CREATE TABLE b (id INTEGER PRIMARY KEY AUTOINCREMENT, a_id INTEGER REFERENCES a (id));",
		"c": "CREATE TABLE c (id INTEGER PRIMARY KEY AUTOINCREMENT);",
	},
}

// set builds a migration set from version -> up statement (down drops the
// table named in the key, "x" meaning the up is broken).
func set(name string, files map[string]string) migrate.Set {
	fsys := fstest.MapFS{}
	for _, drv := range migrate.Dialects {
		for file, table := range files {
			up := ddl[drv][table]
			down := "DROP TABLE " + table + ";"
			if table == "broken" {
				// Creates a table, then fails: the whole file must roll back.
				up = ddl[drv]["c"] + "\nINSERT INTO no_such_table VALUES (1);"
				down = "DROP TABLE c;"
			}
			body := "-- +goose Up\n" + up + "\n\n-- +goose Down\n" + down + "\n"
			fsys[string(drv)+"/"+file] = &fstest.MapFile{Data: []byte(body)}
		}
	}
	return migrate.Set{Name: name, FS: fsys}
}

var abc = set("abc", map[string]string{"00001_a.sql": "a", "00002_b.sql": "b", "00003_c.sql": "c"})

// newDB opens an empty database of the driver.
func newDB(t *testing.T, drv db.Driver) *db.DB {
	t.Helper()
	if drv == db.Postgres {
		return dbtest.NewPostgres(t, migrate.Set{}, nil)
	}
	return dbtest.NewSQLite(t, migrate.Set{}, nil)
}

func tables(t *testing.T, d *db.DB) []string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('a','b','c') ORDER BY name"
	if d.Driver() == db.Postgres {
		q = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('a','b','c') ORDER BY tablename"
	}
	var out []string
	if err := d.Bun().NewRaw(q).Scan(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func eachDriver(t *testing.T, fn func(t *testing.T, drv db.Driver)) {
	for _, drv := range migrate.Dialects {
		t.Run(string(drv), func(t *testing.T) {
			t.Parallel()
			fn(t, drv)
		})
	}
}

func TestIntegrationUpDownUp(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, drv db.Driver) {
		ctx := context.Background()
		d := newDB(t, drv)
		m, err := migrate.New(d, abc, migrate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		st, err := m.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Current != 0 || st.Latest != 3 || st.Pending != 3 || len(st.Migrations) != 3 || st.Migrations[0].Applied {
			t.Errorf("fresh status = %+v", st)
		}
		// Status only reads: it does not create the version table.
		q := "SELECT count(*) FROM sqlite_master WHERE name = ?"
		if drv == db.Postgres {
			q = "SELECT count(*) FROM pg_tables WHERE tablename = ?"
		}
		var n int
		if err := d.Bun().NewRaw(q, migrate.TableName).Scan(ctx, &n); err != nil || n != 0 {
			t.Errorf("version tables after status: %d, %v; want none", n, err)
		}
		res, err := m.Up(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 3 || tables(t, d) == nil || len(tables(t, d)) != 3 {
			t.Fatalf("up applied %v, tables %v", res, tables(t, d))
		}
		// Up again is a no-op.
		if res, err := m.Up(ctx); err != nil || len(res) != 0 {
			t.Fatalf("second up = %v, %v", res, err)
		}
		r, err := m.Down(ctx)
		if err != nil || r.Version != 3 {
			t.Fatalf("down = %+v, %v", r, err)
		}
		if diff := cmp.Diff([]string{"a", "b"}, tables(t, d)); diff != "" {
			t.Errorf("tables after one down (-want +got):\n%s", diff)
		}
		if _, err := m.DownTo(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if got := tables(t, d); len(got) != 0 {
			t.Errorf("tables after down to 0: %v", got)
		}
		if _, err := m.Down(ctx); !errors.Is(err, migrate.ErrNothingToUndo) {
			t.Errorf("down at 0 = %v, want ErrNothingToUndo", err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		st, err = m.Status(ctx)
		if err != nil || st.Current != 3 || st.Pending != 0 {
			t.Errorf("status after up/down/up = %+v, %v", st, err)
		}
	})
}

// TestIntegrationConcurrentRuns: several runs at once apply each migration
// exactly once and all succeed.
func TestIntegrationConcurrentRuns(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, drv db.Driver) {
		ctx := context.Background()
		first := newDB(t, drv)
		// Separate pools, as separate processes would have.
		cfg := first.Config()
		var wg sync.WaitGroup
		errs := make([]error, 4)
		applied := make([]int, 4)
		for i := range errs {
			wg.Go(func() {
				d, err := db.Open(ctx, cfg)
				if err != nil {
					errs[i] = err
					return
				}
				defer d.Close()
				m, err := migrate.New(d, abc, migrate.Options{})
				if err != nil {
					errs[i] = err
					return
				}
				res, err := m.Up(ctx)
				applied[i], errs[i] = len(res), err
			})
		}
		wg.Wait()
		total := 0
		for i, err := range errs {
			if err != nil {
				t.Errorf("run %d: %v", i, err)
			}
			total += applied[i]
		}
		if total != 3 {
			t.Errorf("migrations applied %d times in all, want 3", total)
		}
		var n int
		if err := first.Bun().NewRaw("SELECT count(*) FROM "+migrate.TableName+" WHERE version_id > 0").Scan(ctx, &n); err != nil || n != 3 {
			t.Errorf("version rows = %d, %v; want 3", n, err)
		}
	})
}

// TestIntegrationFailedMigrationRollsBack: a migration that fails halfway
// leaves neither its table nor its version behind, and the error says where
// the database stands.
func TestIntegrationFailedMigrationRollsBack(t *testing.T) {
	t.Parallel()
	broken := set("broken", map[string]string{"00001_a.sql": "a", "00002_broken.sql": "broken"})
	eachDriver(t, func(t *testing.T, drv db.Driver) {
		ctx := context.Background()
		d := newDB(t, drv)
		m, err := migrate.New(d, broken, migrate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Up(ctx)
		if !errors.Is(err, migrate.ErrFailed) {
			t.Fatalf("Up = %v, want ErrFailed", err)
		}
		for _, want := range []string{"00002_broken.sql", "left at version 1", "rolled back"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		if diff := cmp.Diff([]string{"a"}, tables(t, d)); diff != "" {
			t.Errorf("half-applied schema (-want +got):\n%s", diff)
		}
		st, err := m.Status(ctx)
		if err != nil || st.Current != 1 || st.Pending != 1 {
			t.Errorf("status = %+v, %v", st, err)
		}
	})
}

func TestIntegrationConflicts(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, drv db.Driver) {
		ctx := context.Background()
		d := newDB(t, drv)

		// Duplicate versions are refused before anything runs.
		dup := set("dup", map[string]string{"00001_a.sql": "a", "00001_b.sql": "b"})
		if _, err := migrate.New(d, dup, migrate.Options{}); !errors.Is(err, migrate.ErrConflict) {
			t.Errorf("New(duplicate versions) = %v, want ErrConflict", err)
		}

		// A migration older than the database version that was never applied.
		ac := set("gap", map[string]string{"00001_a.sql": "a", "00003_c.sql": "c"})
		m, err := migrate.New(d, ac, migrate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		m, err = migrate.New(d, abc, migrate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Up(ctx)
		if !errors.Is(err, migrate.ErrConflict) || !strings.Contains(err.Error(), "renumber") {
			t.Fatalf("Up with a gap = %v, want ErrConflict that says what to do", err)
		}
		if diff := cmp.Diff([]string{"a", "c"}, tables(t, d)); diff != "" {
			t.Errorf("conflicting run changed the schema (-want +got):\n%s", diff)
		}

		// No files for the dialect.
		empty := migrate.Set{Name: "empty", FS: fstest.MapFS{"postgres/.keep": {}, "sqlite/.keep": {}}}
		if _, err := migrate.New(d, empty, migrate.Options{}); !errors.Is(err, migrate.ErrNoMigrations) {
			t.Errorf("New(empty) = %v, want ErrNoMigrations", err)
		}
	})
}

func TestCreate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "postgres"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "postgres", "00007_old.sql"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := migrate.Create(dir, "Add-Orders Index")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		filepath.Join(dir, "postgres", "00008_add_orders_index.sql"),
		filepath.Join(dir, "sqlite", "00008_add_orders_index.sql"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Create (-want +got):\n%s", diff)
	}
	body, err := os.ReadFile(got[1])
	if err != nil || !strings.Contains(string(body), "-- +goose Up") || !strings.Contains(string(body), "-- +goose Down") {
		t.Errorf("template = %q, %v", body, err)
	}
	if _, err := migrate.Create(dir, "bad/name"); err == nil {
		t.Error("Create accepted a name with a slash")
	}
}
