package dbcmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/dbcmd"
	"github.com/acme/platform/libs/testenv"
)

// deps runs against this repository's real orders-api migrations, with the
// local database moved into a temporary folder through the variable layer.
func deps(t *testing.T) (cli.Deps, *bytes.Buffer, string) {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "orders.db")
	var out, errOut bytes.Buffer
	d := cli.Deps{
		IO:      cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Dir:     root,
		Environ: []string{"SHARED__DATABASE__DSN=file:" + file},
	}
	return d, &out, file
}

func TestMigrateUpStatusDown(t *testing.T) {
	t.Parallel()
	d, out, file := deps(t)
	ctx := context.Background()
	run := func(req dbcmd.Request) string {
		t.Helper()
		out.Reset()
		req.Component = "orders-api"
		if req.To == 0 {
			req.To = -1
		}
		if err := dbcmd.Run(ctx, d, req); err != nil {
			t.Fatalf("%s: %v", req.Action, err)
		}
		return out.String()
	}
	if got := run(dbcmd.Request{Action: "status", Env: "local"}); !strings.Contains(got, "version 0 of") || !strings.Contains(got, file) {
		t.Errorf("status before up:\n%s", got)
	}
	if got := run(dbcmd.Request{Action: "up"}); !strings.Contains(got, "applied 00001_orders.sql") {
		t.Errorf("up:\n%s", got)
	}
	var st struct {
		Status struct {
			Current, Latest int64
			Pending         int
		}
	}
	if err := json.Unmarshal([]byte(run(dbcmd.Request{Action: "status", JSON: true})), &st); err != nil {
		t.Fatal(err)
	}
	if st.Status.Current == 0 || st.Status.Current != st.Status.Latest || st.Status.Pending != 0 {
		t.Errorf("status after up: %+v", st)
	}
	if got := run(dbcmd.Request{Action: "up"}); !strings.Contains(got, "up to date") {
		t.Errorf("second up:\n%s", got)
	}
	if got := run(dbcmd.Request{Action: "down"}); !strings.Contains(got, "rolled back") {
		t.Errorf("down:\n%s", got)
	}
}

func TestMigrateRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		req  dbcmd.Request
		code int
		want string
	}{
		{"down in prod needs force", dbcmd.Request{Action: "down", Env: "prod", Component: "orders-api", To: -1}, cli.ExitUsage, "without --force"},
		{"unknown component", dbcmd.Request{Action: "status", Component: "no-such-thing"}, cli.ExitUsage, "no-such-thing"},
		{"component without migrations", dbcmd.Request{Action: "status", Component: "mono"}, cli.ExitUsage, "mono db migrate create"},
		{"unknown env", dbcmd.Request{Action: "status", Env: "moon", Component: "orders-api"}, cli.ExitUsage, "moon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, _, _ := deps(t)
			err := dbcmd.Run(context.Background(), d, tt.req)
			if err == nil || cli.CodeOf(err) != tt.code || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run = %v (code %d); want code %d and %q", err, cli.CodeOf(err), tt.code, tt.want)
			}
		})
	}
}

// TestMigrateOwnVersionTable: sales-rollup keeps its versions in its own
// table (deploy.settings.migrations_table), so its migrations and
// orders-api's share one database without mixing their version numbers.
func TestMigrateOwnVersionTable(t *testing.T) {
	t.Parallel()
	d, out, _ := deps(t)
	ctx := context.Background()
	for _, c := range []string{"orders-api", "sales-rollup"} {
		out.Reset()
		if err := dbcmd.Run(ctx, d, dbcmd.Request{Action: "up", Component: c, To: -1}); err != nil {
			t.Fatalf("up %s: %v", c, err)
		}
		if !strings.Contains(out.String(), "applied 00001_") {
			t.Errorf("up %s applied nothing:\n%s", c, out.String())
		}
	}
	out.Reset()
	if err := dbcmd.Run(ctx, d, dbcmd.Request{Action: "down", Component: "sales-rollup", To: -1}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "00001_daily_sales.sql") {
		t.Errorf("down sales-rollup:\n%s", out.String())
	}
	out.Reset()
	if err := dbcmd.Run(ctx, d, dbcmd.Request{Action: "status", Component: "orders-api", JSON: true, To: -1}); err != nil {
		t.Fatal(err)
	}
	var st struct{ Status struct{ Current int64 } }
	if err := json.Unmarshal(out.Bytes(), &st); err != nil || st.Status.Current == 0 {
		t.Errorf("orders-api status after rolling back sales-rollup: %s (%v)", out.String(), err)
	}
}
