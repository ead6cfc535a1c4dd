package dbcmd_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/dbcmd"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// testPassword is set on the roles by the test itself: the test server
// takes TCP logins with a password only, and mono db roles sets none.
const testPassword = "roles-test-only"

// TestIntegrationRoles runs mono db roles on a real PostgreSQL 15 with this
// repository's component.yaml files, migrates as the owner roles, and
// checks that each runtime role can do what its program does and nothing
// else, and that a re-run changes nothing.
func TestIntegrationRoles(t *testing.T) {
	if testing.Short() {
		t.Skip("PostgreSQL integration test")
	}
	ctx := context.Background()
	srv := dbtest.Postgres(t)
	admin := open(t, srv.Config("postgres"))
	name := "roles_" + strconv.Itoa(os.Getpid())
	if _, err := admin.SQL().ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.DropDatabase(context.Background(), name) })

	d, out, _ := deps(t)
	base := []string{
		"SHARED__DATABASE__DRIVER=postgres", "SHARED__DATABASE__HOST=" + srv.Host,
		"SHARED__DATABASE__PORT=" + strconv.Itoa(srv.Port), "SHARED__DATABASE__NAME=" + name, "SHARED__DATABASE__SSL_MODE=disable",
		"SHARED__DATABASE__USER=nobody",
	}
	// local.yaml's dsn is the SQLite file; a key=value DSN replaces it (an
	// empty variable would not). mono db roles replaces its user in turn.
	dsn := func(user string) string {
		return fmt.Sprintf("SHARED__DATABASE__DSN=host=%s port=%d dbname=%s sslmode=disable user=%s", srv.Host, srv.Port, name, user)
	}
	d.Environ = append(append([]string{}, base...), dsn("nobody"), dbcmd.AdminPasswordEnv+"="+dbtest.Password)
	roles := func() map[string]any {
		t.Helper()
		out.Reset()
		if err := dbcmd.Roles(ctx, d, dbcmd.RolesRequest{Env: "local", AdminUser: srv.User, JSON: true}); err != nil {
			t.Fatalf("mono db roles: %v", err)
		}
		if strings.Contains(out.String(), dbtest.Password) {
			t.Fatalf("the admin password is in the output:\n%s", out)
		}
		var res struct{ Result map[string]any }
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return res.Result
	}

	// Roles are server-wide: another test of this binary may have made
	// them already (-shuffle), so the first run creates those missing.
	want := []any{}
	for _, r := range []string{"orders_api_owner", "orders_api", "sales_rollup_owner", "sales_rollup"} {
		var exists bool
		if err := admin.SQL().QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", r).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if !exists {
			want = append(want, r)
		}
	}
	first := roles()
	if got := first["created"]; !cmp.Equal(got, want) {
		t.Errorf("first run created %v, want %v", got, want)
	}
	if notes := fmt.Sprint(first["notes"]); !strings.Contains(notes, "table orders of orders-api does not exist yet") || !strings.Contains(notes, "password login") {
		t.Errorf("first run notes: %s", notes)
	}
	for _, r := range []string{"orders_api_owner", "orders_api", "sales_rollup_owner", "sales_rollup"} {
		if _, err := admin.SQL().ExecContext(ctx, "ALTER ROLE "+r+" PASSWORD '"+testPassword+"'"); err != nil {
			t.Fatal(err)
		}
	}

	// The migration owners migrate, through mono db migrate.
	as := func(user string) []string {
		return append(append([]string{}, base...), dsn(user), "SHARED__DATABASE__PASSWORD="+testPassword)
	}
	for _, c := range []string{"orders-api", "sales-rollup"} {
		md := d
		md.Environ = as(strings.ReplaceAll(c, "-", "_") + "_owner")
		if err := dbcmd.Run(ctx, md, dbcmd.Request{Action: "up", Env: "local", Component: c, To: -1}); err != nil {
			t.Fatalf("migrate %s as its owner: %v", c, err)
		}
	}
	// A runtime role cannot migrate.
	{
		md := d
		md.Environ = as("orders_api")
		if err := dbcmd.Run(ctx, md, dbcmd.Request{Action: "down", Env: "local", Component: "orders-api", To: -1}); err == nil {
			t.Error("orders_api rolled back the orders migration")
		}
	}

	second := roles()
	if got := first["created"]; len(second["created"].([]any)) != 0 {
		t.Errorf("second run created roles again: %v (first: %v)", second["created"], got)
	}
	if notes := fmt.Sprint(second["notes"]); strings.Contains(notes, "does not exist yet") {
		t.Errorf("second run still waits for tables: %s", notes)
	}
	inDB := open(t, srv.Config(name))
	snap := privileges(t, inDB)
	roles()
	if diff := cmp.Diff(snap, privileges(t, inDB)); diff != "" {
		t.Errorf("a third run changed privileges (-before +after):\n%s", diff)
	}
	wantACL := map[string]string{
		"goose_db_version/orders_api":                "r",
		"goose_db_version_sales_rollup/sales_rollup": "r",
		"order_items/orders_api":                     "arw",
		"orders/orders_api":                          "arw",
		"orders/sales_rollup":                        "r",
		"daily_sales/sales_rollup":                   "dar",
	}
	for k, v := range wantACL {
		if snap[k] != v {
			t.Errorf("privileges %s = %q, want %q (all: %v)", k, snap[k], v, snap)
		}
	}

	ordersAPI := open(t, roleConfig(srv, name, "orders_api"))
	salesRollup := open(t, roleConfig(srv, name, "sales_rollup"))
	owner := open(t, roleConfig(srv, name, "orders_api_owner"))

	allowed := []struct {
		who *db.DB
		q   string
	}{
		// orders-api: ordersdb's statements.
		{ordersAPI, `INSERT INTO orders (id, customer_id, region, status, subtotal_cents, discount_cents, tax_cents, total_cents, idempotency_key, fingerprint, created_at, updated_at)
			VALUES ('o1', 'c1', 'eu', 'pending', 100, 0, 0, 100, 'k1', 'f', '2026-12-01T10:00:00Z', '2026-12-01T10:00:00Z')`},
		{ordersAPI, "INSERT INTO order_items (order_id, line, sku, quantity, unit_price_cents) VALUES ('o1', 1, 'sku', 1, 100)"},
		{ordersAPI, "UPDATE orders SET status = 'confirmed', updated_at = now() WHERE id = 'o1' AND status IN ('pending')"},
		{ordersAPI, "SELECT o.id, i.sku FROM orders o JOIN order_items i ON i.order_id = o.id"},
		{ordersAPI, "SELECT version_id FROM goose_db_version"},
		// sales-rollup: ordersdb.CreatedIn and salesdb.ReplaceDays.
		{salesRollup, "SELECT id, region, status, total_cents, created_at FROM orders WHERE created_at >= '2026-12-01' AND created_at < '2026-12-02' ORDER BY created_at, id"},
		{salesRollup, "DELETE FROM daily_sales WHERE day = '2026-12-01'"},
		{salesRollup, "INSERT INTO daily_sales (day, region, orders, revenue_cents, computed_at) VALUES ('2026-12-01', 'eu', 1, 100, now())"},
		{salesRollup, "SELECT day, region, orders, revenue_cents FROM daily_sales"},
		{salesRollup, "SELECT version_id FROM goose_db_version_sales_rollup"},
	}
	for _, a := range allowed {
		if _, err := a.who.SQL().ExecContext(ctx, a.q); err != nil {
			t.Errorf("%s refused %q: %v", a.who.Config().User, a.q, err)
		}
	}
	refused := []struct {
		who *db.DB
		q   string
	}{
		{ordersAPI, "DELETE FROM orders WHERE id = 'o1'"},
		{ordersAPI, "CREATE TABLE notes (id int)"},
		{ordersAPI, "DROP TABLE order_items"},
		{ordersAPI, "ALTER TABLE orders ADD COLUMN x int"},
		{ordersAPI, "SELECT * FROM daily_sales"},
		{ordersAPI, "UPDATE goose_db_version SET is_applied = false"},
		{ordersAPI, "INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, true)"},
		{salesRollup, "INSERT INTO orders (id, customer_id, region, status, subtotal_cents, total_cents, created_at, updated_at) VALUES ('x', 'c', 'eu', 'pending', 1, 1, now(), now())"},
		{salesRollup, "UPDATE orders SET status = 'cancelled'"},
		{salesRollup, "DELETE FROM orders"},
		{salesRollup, "SELECT * FROM order_items"},
		{salesRollup, "UPDATE daily_sales SET orders = 0"},
		{salesRollup, "CREATE TABLE scratch (id int)"},
		{salesRollup, "DROP TABLE daily_sales"},
		{salesRollup, "DELETE FROM goose_db_version_sales_rollup"},
		{owner, "SELECT * FROM daily_sales"},
		{owner, "DROP TABLE daily_sales"},
	}
	for _, r := range refused {
		_, err := r.who.SQL().ExecContext(ctx, r.q)
		if err == nil || !strings.Contains(err.Error(), "42501") && !strings.Contains(err.Error(), "permission denied") && !strings.Contains(err.Error(), "must be owner") {
			t.Errorf("%s ran %q: %v (want permission denied)", r.who.Config().User, r.q, err)
		}
	}

	// sales-rollup applies its migrations at start (--migrate): with the
	// schema current that works as the runtime role.
	md := d
	md.Environ = as("sales_rollup")
	out.Reset()
	if err := dbcmd.Run(ctx, md, dbcmd.Request{Action: "up", Env: "local", Component: "sales-rollup", To: -1}); err != nil || !strings.Contains(out.String(), "up to date") {
		t.Errorf("migrate up with nothing pending as sales_rollup: %v\n%s", err, out)
	}
}

// TestIntegrationRolesRefusals: what mono db roles refuses, before it
// changes anything.
func TestIntegrationRolesRefusals(t *testing.T) {
	if testing.Short() {
		t.Skip("PostgreSQL integration test")
	}
	ctx := context.Background()
	srv := dbtest.Postgres(t)
	d, _, _ := deps(t)
	pg := []string{"SHARED__DATABASE__DRIVER=postgres", "SHARED__DATABASE__HOST=h", "SHARED__DATABASE__NAME=n", "SHARED__DATABASE__USER=u"}
	with := func(vars ...string) []string { return append(append([]string{}, pg...), vars...) }
	base := with(fmt.Sprintf("SHARED__DATABASE__DSN=postgres://nobody@%s:%d/postgres?sslmode=disable", srv.Host, srv.Port))
	for _, tt := range []struct {
		name    string
		environ []string
		req     dbcmd.RolesRequest
		code    int
		want    string
	}{
		{"sqlite", nil, dbcmd.RolesRequest{Env: "local", AdminUser: "postgres"}, cli.ExitUsage, "database roles exist on PostgreSQL only"},
		{"no admin user", base, dbcmd.RolesRequest{Env: "local"}, cli.ExitUsage, "--admin-user must not be empty"},
		{"dsn", with("SHARED__DATABASE__DSN=file:x.db"), dbcmd.RolesRequest{Env: "local", AdminUser: "postgres"}, cli.ExitConfig, "not a postgres:// URL or key=value"},
		{"wrong password", append(append([]string{}, base...), dbcmd.AdminPasswordEnv+"=wrong-admin-pw"), dbcmd.RolesRequest{Env: "local", AdminUser: srv.User}, 1, "open database of local as"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dd := d
			if tt.environ != nil {
				dd.Environ = tt.environ
			}
			err := dbcmd.Roles(ctx, dd, tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.want) || cli.CodeOf(err) != tt.code {
				t.Fatalf("err = %v (code %d), want %q with code %d", err, cli.CodeOf(err), tt.want, tt.code)
			}
			if strings.Contains(err.Error(), "wrong-admin-pw") {
				t.Fatalf("the password is in the error: %v", err)
			}
		})
	}
}

func open(t *testing.T, cfg db.Config) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func roleConfig(srv *dbtest.Server, database, role string) db.Config {
	cfg := srv.Config(database)
	cfg.Name, cfg.User, cfg.Password = role, role, testPassword
	return cfg
}

// privileges are the table privileges of the program roles in schema
// public ("table/role" -> aclitem letters) and their default privileges.
func privileges(t *testing.T, admin *db.DB) map[string]string {
	t.Helper()
	rows, err := admin.SQL().QueryContext(context.Background(), `
		SELECT c.relname || '/' || r.rolname, string_agg(
			CASE x.privilege_type WHEN 'SELECT' THEN 'r' WHEN 'INSERT' THEN 'a' WHEN 'UPDATE' THEN 'w' WHEN 'DELETE' THEN 'd' ELSE lower(x.privilege_type) END,
			'' ORDER BY x.privilege_type)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) x JOIN pg_roles r ON r.oid = x.grantee
		WHERE n.nspname = 'public' AND r.rolname IN ('orders_api', 'sales_rollup') GROUP BY 1
		UNION ALL
		SELECT 'default/' || r.rolname || '/' || d.defaclobjtype::text, array_to_string(d.defaclacl, ',')
		FROM pg_default_acl d JOIN pg_roles r ON r.oid = d.defaclrole`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		got[k] = v
	}
	return got
}

// TestIntegrationRolesIAM: with shared.database.iam_auth the roles join
// rds_iam where the server has it (RDS; here a stand-in role), a note says
// so where it has not, and turning IAM off takes the membership away.
func TestIntegrationRolesIAM(t *testing.T) {
	if testing.Short() {
		t.Skip("PostgreSQL integration test")
	}
	ctx := context.Background()
	srv := dbtest.Postgres(t)
	admin := open(t, srv.Config("postgres"))
	d, out, _ := deps(t)
	environ := func(iam bool) []string {
		return []string{"SHARED__DATABASE__DRIVER=postgres", "SHARED__DATABASE__HOST=h", "SHARED__DATABASE__NAME=n", "SHARED__DATABASE__USER=u",
			fmt.Sprintf("SHARED__DATABASE__DSN=postgres://nobody@%s:%d/postgres?sslmode=disable", srv.Host, srv.Port),
			"SHARED__DATABASE__IAM_AUTH=" + strconv.FormatBool(iam), dbcmd.AdminPasswordEnv + "=" + dbtest.Password}
	}
	run := func(iam bool) string {
		t.Helper()
		out.Reset()
		d.Environ = environ(iam)
		if err := dbcmd.Roles(ctx, d, dbcmd.RolesRequest{Env: "local", AdminUser: srv.User}); err != nil {
			t.Fatalf("mono db roles (iam %v): %v", iam, err)
		}
		return out.String()
	}
	members := func() []string {
		t.Helper()
		rows, err := admin.SQL().QueryContext(ctx, `SELECT m.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid
			JOIN pg_roles m ON m.oid = a.member WHERE r.rolname = 'rds_iam' ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := []string{}
		for rows.Next() {
			var m string
			if err := rows.Scan(&m); err != nil {
				t.Fatal(err)
			}
			got = append(got, m)
		}
		return got
	}

	if got := run(true); !strings.Contains(got, "no rds_iam role (not RDS): IAM login skipped") {
		t.Errorf("without rds_iam:\n%s", got)
	}
	if _, err := admin.SQL().ExecContext(ctx, "CREATE ROLE rds_iam NOLOGIN"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.SQL().ExecContext(context.Background(), "DROP ROLE IF EXISTS rds_iam") })
	if got := run(true); strings.Contains(got, "note: shared.database.iam_auth") || strings.Contains(got, "password login") {
		t.Errorf("with rds_iam, a note about login:\n%s", got)
	}
	if diff := cmp.Diff([]string{"orders_api", "orders_api_owner", "sales_rollup", "sales_rollup_owner"}, members()); diff != "" {
		t.Errorf("rds_iam members (-want +got):\n%s", diff)
	}
	if got := run(false); !strings.Contains(got, "password login") {
		t.Errorf("IAM off:\n%s", got)
	}
	if got := members(); len(got) != 0 {
		t.Errorf("rds_iam members after IAM off: %v", got)
	}
}

// TestIntegrationRolesNoCreateRole: an administrator that may not create
// roles is refused before anything changes.
func TestIntegrationRolesNoCreateRole(t *testing.T) {
	if testing.Short() {
		t.Skip("PostgreSQL integration test")
	}
	ctx := context.Background()
	srv := dbtest.Postgres(t)
	admin := open(t, srv.Config("postgres"))
	if _, err := admin.SQL().ExecContext(ctx, "CREATE ROLE weak_admin LOGIN PASSWORD '"+testPassword+"'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.SQL().ExecContext(context.Background(), "DROP ROLE IF EXISTS weak_admin") })
	var before int
	if err := admin.SQL().QueryRowContext(ctx, "SELECT count(*) FROM pg_roles").Scan(&before); err != nil {
		t.Fatal(err)
	}
	d, _, _ := deps(t)
	d.Environ = []string{"SHARED__DATABASE__DRIVER=postgres", "SHARED__DATABASE__HOST=h", "SHARED__DATABASE__NAME=n", "SHARED__DATABASE__USER=u",
		fmt.Sprintf("SHARED__DATABASE__DSN=postgres://nobody@%s:%d/postgres?sslmode=disable", srv.Host, srv.Port),
		dbcmd.AdminPasswordEnv + "=" + testPassword}
	err := dbcmd.Roles(ctx, d, dbcmd.RolesRequest{Env: "local", AdminUser: "weak_admin"})
	if err == nil || !strings.Contains(err.Error(), "may not create roles") || !strings.Contains(err.Error(), "nothing changed") {
		t.Fatalf("err = %v, want a refusal that changed nothing", err)
	}
	var after int
	if err := admin.SQL().QueryRowContext(ctx, "SELECT count(*) FROM pg_roles").Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("roles before %d, after %d", before, after)
	}
}
