package dbroles_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/dbroles"
	"github.com/acme/platform/build/internal/graph"
)

func component(name string, settings map[string]any) *graph.Component {
	return &graph.Component{Name: name, Kind: graph.Kind("go-service"), Dir: "services/" + name, Deploy: graph.Deploy{Settings: settings}}
}

func TestPlanFor(t *testing.T) {
	t.Parallel()
	g, err := graph.New([]*graph.Component{
		component("orders-api", map[string]any{"migrations": "migrations", "database_privileges": []any{"insert", "SELECT", "UPDATE", "INSERT"}}),
		component("sales-rollup", map[string]any{"migrations": "migrations", "migrations_table": "goose_db_version_sales_rollup",
			"database_privileges": []any{"SELECT", "DELETE", "INSERT"}, "database_reads": map[string]any{"orders-api": []any{"orders"}}}),
		component("pricing", nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := dbroles.PlanFor(g, true)
	if err != nil {
		t.Fatal(err)
	}
	want := dbroles.Plan{IAM: true, Programs: []dbroles.Program{
		{Component: "orders-api", Owner: "orders_api_owner", Runtime: "orders_api", Privileges: []string{"SELECT", "INSERT", "UPDATE"}, VersionTable: "goose_db_version"},
		{Component: "sales-rollup", Owner: "sales_rollup_owner", Runtime: "sales_rollup", Privileges: []string{"SELECT", "INSERT", "DELETE"},
			VersionTable: "goose_db_version_sales_rollup", Reads: []dbroles.Read{{Component: "orders-api", Table: "orders"}}},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
}

func TestPlanForBadSettings(t *testing.T) {
	t.Parallel()
	owner := func() *graph.Component { return component("orders-api", map[string]any{"migrations": "migrations"}) }
	for _, tt := range []struct {
		name     string
		settings map[string]any
		want     string
	}{
		{"privileges not a list", map[string]any{"migrations": "m", "database_privileges": "ALL"}, "deploy.settings.database_privileges: must be a list of SELECT, INSERT, UPDATE, DELETE"},
		{"unknown privilege", map[string]any{"migrations": "m", "database_privileges": []any{"SELECT", "TRUNCATE"}}, `"TRUNCATE" is not one of`},
		{"no select", map[string]any{"migrations": "m", "database_privileges": []any{"INSERT"}}, "must include SELECT"},
		{"privileges without migrations", map[string]any{"database_privileges": []any{"SELECT"}}, "needs deploy.settings.migrations"},
		{"reads not a map", map[string]any{"migrations": "m", "database_reads": []any{"orders"}}, "must map a component to the list of its tables"},
		{"reads unknown component", map[string]any{"migrations": "m", "database_reads": map[string]any{"order-api": []any{"orders"}}}, `unknown component "order-api"`},
		{"reads itself", map[string]any{"migrations": "m", "database_reads": map[string]any{"job": []any{"x"}}}, "lists the component itself"},
		{"reads a component without tables", map[string]any{"migrations": "m", "database_reads": map[string]any{"pricing": []any{"x"}}}, "component pricing has no migrations"},
		{"bad table", map[string]any{"migrations": "m", "database_reads": map[string]any{"orders-api": []any{"Orders; DROP"}}}, "is not a table name"},
		{"bad version table", map[string]any{"migrations": "m", "migrations_table": "x-y"}, "deploy.settings.migrations_table must be a table name"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			job := component("job", tt.settings)
			job.Manifest = "scripts/job/component.yaml"
			g, err := graph.New([]*graph.Component{owner(), component("pricing", nil), job})
			if err != nil {
				t.Fatal(err)
			}
			_, err = dbroles.PlanFor(g, false)
			if err == nil || !strings.Contains(err.Error(), tt.want) || cli.CodeOf(err) != cli.ExitConfig {
				t.Fatalf("err = %v (code %d), want %q (code %d)", err, cli.CodeOf(err), tt.want, cli.ExitConfig)
			}
			if !strings.Contains(err.Error(), "job") {
				t.Errorf("the error does not name the component: %v", err)
			}
		})
	}
}
