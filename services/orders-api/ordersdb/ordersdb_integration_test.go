package ordersdb_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/business/orders"
	"github.com/acme/platform/libs/business/orders/orderstest"
	"github.com/acme/platform/libs/business/reporting"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbtest"
	"github.com/acme/platform/services/orders-api/migrations"
	"github.com/acme/platform/services/orders-api/ordersdb"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func newDB(t *testing.T, drv db.Driver) *db.DB {
	t.Helper()
	if drv == db.Postgres {
		return dbtest.NewPostgres(t, migrations.Set(), nil)
	}
	return dbtest.NewSQLite(t, migrations.Set(), nil)
}

func TestStoreSuiteSQLite(t *testing.T) {
	t.Parallel()
	orderstest.RunStoreSuite(t, func(t *testing.T) orders.Store { return ordersdb.New(newDB(t, db.SQLite)) })
}

func TestIntegrationStoreSuitePostgres(t *testing.T) {
	t.Parallel()
	orderstest.RunStoreSuite(t, func(t *testing.T) orders.Store { return ordersdb.New(newDB(t, db.Postgres)) })
}

// eachDriver runs fn on SQLite, and on PostgreSQL unless -short.
func eachDriver(t *testing.T, fn func(t *testing.T, s *ordersdb.Store)) {
	for _, drv := range []db.Driver{db.SQLite, db.Postgres} {
		t.Run(string(drv), func(t *testing.T) {
			t.Parallel()
			fn(t, ordersdb.New(newDB(t, drv)))
		})
	}
}

func order(id string, at time.Time, region string, status orders.Status, total int64) orders.Order {
	return orders.Order{
		ID: id, CustomerID: "c1", Region: region, Status: status,
		Items:         []orders.Item{{SKU: "SKU-1", Quantity: 1, UnitPriceCents: total}},
		SubtotalCents: total, TotalCents: total, CreatedAt: at, UpdatedAt: at,
	}
}

func TestIntegrationReporting(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, s *ordersdb.Store) {
		ctx := context.Background()
		d1 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		d2 := d1.AddDate(0, 0, 1)
		for _, o := range []orders.Order{
			order("a", d1.Add(time.Hour), "us-east", orders.Pending, 100),
			order("b", d1.Add(23*time.Hour+59*time.Minute+59*time.Second+999*time.Millisecond), "us-east", orders.Shipped, 50),
			order("c", d1.Add(2*time.Hour), "eu-west", orders.Cancelled, 999),
			order("d", d2.Add(time.Minute), "eu-west", orders.Confirmed, 70),
			order("e", d2.AddDate(0, 0, 1), "eu-west", orders.Pending, 5), // the day after the range
			order("f", d1.Add(-time.Nanosecond*1000), "us-east", orders.Pending, 5),
		} {
			if _, err := s.Create(ctx, o, "", ""); err != nil {
				t.Fatal(err)
			}
		}
		r := reporting.Range{From: d1, To: d2}
		daily, err := s.DailySales(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		want := []reporting.DailySales{
			{Day: "2026-03-01", Region: "us-east", Orders: 2, RevenueCents: 150},
			{Day: "2026-03-02", Region: "eu-west", Orders: 1, RevenueCents: 70},
		}
		if diff := cmp.Diff(want, daily); diff != "" {
			t.Errorf("daily sales (-want +got):\n%s", diff)
		}
		counts, err := s.StatusCounts(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		wantCounts := []reporting.StatusCount{{Status: orders.Cancelled, Count: 1}, {Status: orders.Confirmed, Count: 1}, {Status: orders.Pending, Count: 1}, {Status: orders.Shipped, Count: 1}}
		if diff := cmp.Diff(wantCounts, counts); diff != "" {
			t.Errorf("status counts (-want +got):\n%s", diff)
		}
		empty, err := s.DailySales(ctx, reporting.Range{From: d1.AddDate(1, 0, 0), To: d1.AddDate(1, 0, 0)})
		if err != nil || len(empty) != 0 {
			t.Errorf("empty range: %v %v", empty, err)
		}
		created, err := s.CreatedIn(ctx, d1, d2)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, o := range created {
			if len(o.Items) != 0 || o.Region == "" || o.Status == "" || o.TotalCents == 0 {
				t.Errorf("CreatedIn row %+v: want region, status and total, no items", o)
			}
			ids = append(ids, o.ID)
		}
		if diff := cmp.Diff([]string{"a", "c", "b"}, ids); diff != "" {
			t.Errorf("CreatedIn [d1, d2) ids, oldest first (-want +got):\n%s", diff)
		}
	})
}

// TestIntegrationConcurrentIdempotentCreates: many creates racing with one
// key store one order and all return it.
func TestIntegrationConcurrentIdempotentCreates(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, s *ordersdb.Store) {
		ctx := context.Background()
		at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		ids := make([]string, 8)
		errs := make([]error, 8)
		for i := range ids {
			wg.Go(func() {
				o, err := s.Create(ctx, order(fmt.Sprintf("o%d", i), at, "us-east", orders.Pending, 10), "same-key", "fp")
				ids[i], errs[i] = o.ID, err
			})
		}
		wg.Wait()
		for i := range ids {
			if errs[i] != nil {
				t.Fatalf("create %d: %v", i, errs[i])
			}
			if ids[i] != ids[0] {
				t.Errorf("create %d returned %s, create 0 returned %s", i, ids[i], ids[0])
			}
		}
		got, err := s.List(ctx, orders.Filter{Limit: 100})
		if err != nil || len(got) != 1 {
			t.Errorf("stored %d orders (%v), want 1", len(got), err)
		}
	})
}

// TestIntegrationTimesRoundTrip: sub-second times survive and order pages.
func TestIntegrationTimesRoundTrip(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, s *ordersdb.Store) {
		ctx := context.Background()
		at := time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.FixedZone("x", 3600))
		created, err := s.Create(ctx, order("o1", at, "us-east", orders.Pending, 10), "", "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, "o1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(created, got); diff != "" {
			t.Errorf("create returned another order than get (-create +get):\n%s", diff)
		}
		if !got.CreatedAt.Equal(at.Truncate(time.Microsecond)) || got.CreatedAt.Location() != time.UTC {
			t.Errorf("created_at %v, want %v in UTC", got.CreatedAt, at)
		}
		if _, err := s.Create(ctx, order("o2", at.Add(500*time.Microsecond), "us-east", orders.Pending, 10), "", ""); err != nil {
			t.Fatal(err)
		}
		page, err := s.List(ctx, orders.Filter{Limit: 10, After: &orders.Position{CreatedAt: at.Add(500 * time.Microsecond), ID: "o2"}})
		if err != nil || len(page) != 1 || page[0].ID != "o1" {
			t.Errorf("page after o2: %v %v, want [o1]", page, err)
		}
		if _, err := s.Get(ctx, "nope"); !errors.Is(err, orders.ErrNotFound) {
			t.Errorf("get missing: %v", err)
		}
	})
}
