package migrations_test

import (
	"context"
	"io/fs"
	"os"
	"testing"

	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbtest"
	"github.com/acme/platform/libs/db/migrate"
	"github.com/acme/platform/services/orders-api/migrations"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// TestIntegrationRoundTrip: every migration applies, rolls back and applies
// again on both dialects, and both folders hold the same versions.
func TestIntegrationRoundTrip(t *testing.T) {
	t.Parallel()
	for _, drv := range migrate.Dialects {
		t.Run(string(drv), func(t *testing.T) {
			t.Parallel()
			var d *db.DB
			if drv == db.Postgres {
				d = dbtest.NewPostgres(t, migrate.Set{}, nil)
			} else {
				d = dbtest.NewSQLite(t, migrate.Set{}, nil)
			}
			ctx := context.Background()
			m, err := migrate.New(d, migrations.Set(), migrate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			up, err := m.Up(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.DownTo(ctx, 0); err != nil {
				t.Fatal(err)
			}
			again, err := m.Up(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(up) == 0 || len(again) != len(up) {
				t.Errorf("applied %d, then %d after rolling back", len(up), len(again))
			}
			st, err := m.Status(ctx)
			if err != nil || st.Pending != 0 || st.Current != st.Latest {
				t.Errorf("status = %+v, %v", st, err)
			}
			// Foreign keys hold: an item needs its order.
			_, err = d.Bun().ExecContext(ctx, "INSERT INTO order_items (order_id, line, sku, quantity, unit_price_cents) VALUES ('nope', 1, 'SKU-1', 1, 100)")
			if err == nil {
				t.Error("item without an order accepted")
			}
		})
	}
}

func TestDialectsInStep(t *testing.T) {
	t.Parallel()
	versions := map[db.Driver][]string{}
	for _, drv := range migrate.Dialects {
		sub, err := migrations.Set().Dialect(drv)
		if err != nil {
			t.Fatal(err)
		}
		files, err := fs.Glob(sub, "*.sql")
		if err != nil {
			t.Fatal(err)
		}
		versions[drv] = files
	}
	if a, b := versions[db.Postgres], versions[db.SQLite]; len(a) == 0 || len(a) != len(b) {
		t.Fatalf("postgres %v and sqlite %v migrations differ", a, b)
	}
	for i := range versions[db.Postgres] {
		if versions[db.Postgres][i] != versions[db.SQLite][i] {
			t.Errorf("migration %d: postgres %s, sqlite %s", i, versions[db.Postgres][i], versions[db.SQLite][i])
		}
	}
}
