package dbmigrate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/dbmigrate"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/libs/db/dbconf"
	"github.com/acme/platform/libs/db/migrate"
	"github.com/acme/platform/libs/testenv"
)

// ordersSet returns this repository's orders-api migrations.
func ordersSet(t *testing.T) migrate.Set {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ws, g, err := cli.Deps{Dir: root}.Graph()
	if err != nil {
		t.Fatal(err)
	}
	c, err := g.Lookup("orders-api")
	if err != nil {
		t.Fatal(err)
	}
	if !dbmigrate.Has(c) {
		t.Fatal("orders-api declares no migrations")
	}
	set, err := dbmigrate.Set(ws, c)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestRunUpStatusDown runs this repository's orders-api migrations on a
// SQLite file, as mono dev and mono dags test do.
func TestRunUpStatusDown(t *testing.T) {
	t.Parallel()
	set := ordersSet(t)
	cfg := dbconf.SQLite("orders-api", filepath.Join(t.TempDir(), "orders.db"))
	var out bytes.Buffer
	run := func(action string) string {
		t.Helper()
		out.Reset()
		req := dbmigrate.Request{Action: action, Env: "local", Set: set, DB: cfg, To: -1, Out: &out, Log: &out}
		if err := dbmigrate.Run(context.Background(), req); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		return out.String()
	}
	for _, step := range []struct{ action, want string }{
		{dbmigrate.Up, "applied 00001_orders.sql"},
		{dbmigrate.Up, "up to date"},
		{dbmigrate.Status, "0 pending"},
		{dbmigrate.Down, "rolled back"},
		{dbmigrate.Status, "pending"},
	} {
		if got := run(step.action); !strings.Contains(got, step.want) {
			t.Errorf("%s: want %q in\n%s", step.action, step.want, got)
		}
	}
}

// TestStatusCreatesNothing checks that status on a SQLite file that does
// not exist reports every migration pending and creates neither the file
// nor its folder.
func TestStatusCreatesNothing(t *testing.T) {
	t.Parallel()
	set := ordersSet(t)
	dir := filepath.Join(t.TempDir(), "data")
	file := filepath.Join(dir, "orders.db")
	cfg := dbconf.SQLite("orders-api", file)
	for _, asJSON := range []bool{false, true} {
		var out bytes.Buffer
		req := dbmigrate.Request{Action: dbmigrate.Status, Env: "local", Set: set, DB: cfg, JSON: asJSON, Out: &out, Log: &out}
		if err := dbmigrate.Run(context.Background(), req); err != nil {
			t.Fatalf("status (json %v): %v", asJSON, err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("status (json %v) created %s (stat: %v)", asJSON, dir, err)
		}
		if !asJSON {
			for _, want := range []string{"version 0 of", "00001_orders.sql  pending", "does not exist yet; mono db migrate up --env local -c orders-api creates it"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("status: want %q in\n%s", want, out.String())
				}
			}
			continue
		}
		var got struct {
			Exists bool `json:"exists"`
			Status struct {
				Current int64 `json:"current"`
				Pending int   `json:"pending"`
				Latest  int64 `json:"latest"`
			} `json:"status"`
		}
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("status --json: %v\n%s", err, out.String())
		}
		if got.Exists || got.Status.Current != 0 || got.Status.Pending == 0 || int64(got.Status.Pending) != got.Status.Latest {
			t.Errorf("status --json = %+v, want exists false and every migration pending", got)
		}
	}
}

func TestGuardAndSettings(t *testing.T) {
	t.Parallel()
	if err := dbmigrate.Guard(dbmigrate.Down, dbmigrate.ProtectedEnv, "orders-api", false); cli.CodeOf(err) != cli.ExitUsage || !strings.Contains(err.Error(), "--force") {
		t.Errorf("down in prod without force: %v", err)
	}
	for _, ok := range []error{
		dbmigrate.Guard(dbmigrate.Down, dbmigrate.ProtectedEnv, "orders-api", true),
		dbmigrate.Guard(dbmigrate.Down, "dev", "orders-api", false),
		dbmigrate.Guard(dbmigrate.Up, dbmigrate.ProtectedEnv, "orders-api", false),
	} {
		if ok != nil {
			t.Errorf("Guard = %v, want nil", ok)
		}
	}
	tests := []struct {
		name     string
		settings map[string]any
		want     string
	}{
		{"folder outside the component", map[string]any{dbmigrate.Setting: "../x"}, "must be a folder inside the component"},
		{"bad table name", map[string]any{dbmigrate.Setting: "migrations", dbmigrate.TableSetting: "drop table;"}, "must be a table name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &graph.Component{Name: "x", Dir: "services/x"}
			c.Deploy.Settings = tt.settings
			_, err := dbmigrate.Set(nil, c)
			if cli.CodeOf(err) != cli.ExitConfig || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Set = %v (code %d), want ExitConfig and %q", err, cli.CodeOf(err), tt.want)
			}
		})
	}
}
