package rollup_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/business/orders"
	"github.com/acme/platform/libs/business/reporting"
	"github.com/acme/platform/libs/cloud/blob"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbtest"
	"github.com/acme/platform/libs/db/migrate"
	"github.com/acme/platform/scripts/sales-rollup/export"
	"github.com/acme/platform/scripts/sales-rollup/migrations"
	"github.com/acme/platform/scripts/sales-rollup/rollup"
	"github.com/acme/platform/scripts/sales-rollup/salesdb"
	ordersmigrations "github.com/acme/platform/services/orders-api/migrations"
	"github.com/acme/platform/services/orders-api/ordersdb"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// setup migrates both sets the job needs (orders-api's orders, this job's
// daily_sales) into d.
func setup(t *testing.T, d *db.DB) {
	t.Helper()
	m, err := migrate.New(d, migrations.Set(), migrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func at(day string, hour, minute int) time.Time {
	d, _ := time.Parse("2006-01-02", day)
	return d.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
}

// seed writes orders through the orders-api store, the real writer of the table.
func seed(t *testing.T, d *db.DB, list ...orders.Order) {
	t.Helper()
	s := ordersdb.New(d)
	for i, o := range list {
		if o.ID == "" {
			o.ID = fmt.Sprintf("o-%d-%d", time.Now().UnixNano(), i)
		}
		o.CustomerID = "c1"
		o.SubtotalCents = o.TotalCents
		o.UpdatedAt = o.CreatedAt
		o.Items = []orders.Item{{SKU: "sku-1", Quantity: 1, UnitPriceCents: o.TotalCents}}
		if _, err := s.Create(context.Background(), o, "", ""); err != nil {
			t.Fatal(err)
		}
	}
}

func job(store rollup.Store, exports rollup.Exports, lookback int) *rollup.Job {
	f := export.Formats()
	return &rollup.Job{
		Store: store, Exports: exports, StoreName: "exports", Prefix: "daily-sales/", Location: time.UTC, Lookback: lookback,
		Formats: []export.Format{f["csv"], f["parquet"]},
		Now:     func() time.Time { return at("2026-03-05", 1, 0) },
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func read(t *testing.T, s blob.Store, key string) []byte {
	t.Helper()
	r, _, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestIntegrationRollup(t *testing.T) {
	dbtest.ForEachDriver(t, ordersmigrations.Set(), func(t *testing.T, d *db.DB) {
		setup(t, d)
		ctx := context.Background()
		seed(t, d,
			orders.Order{Region: "us-east", Status: orders.Pending, TotalCents: 100, CreatedAt: at("2026-03-01", 0, 0)},
			orders.Order{Region: "us-east", Status: orders.Shipped, TotalCents: 250, CreatedAt: at("2026-03-01", 23, 59)},
			orders.Order{Region: "eu-west", Status: orders.Confirmed, TotalCents: 70, CreatedAt: at("2026-03-01", 12, 0)},
			orders.Order{Region: "eu-west", Status: orders.Cancelled, TotalCents: 999, CreatedAt: at("2026-03-01", 12, 0)},
			orders.Order{Region: "eu-west", Status: orders.Pending, TotalCents: 5, CreatedAt: at("2026-03-02", 0, 0)},
			orders.Order{Region: "ap-south", Status: orders.Pending, TotalCents: 9, CreatedAt: at("2026-02-28", 23, 59)},
		)
		store := salesdb.New(d)
		exports := blob.NewMemory("exports")

		res, err := job(store, exports, 1).Run(ctx, at("2026-03-01", 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		want := []reporting.DailySales{
			{Day: "2026-03-01", Region: "eu-west", Orders: 1, RevenueCents: 70},
			{Day: "2026-03-01", Region: "us-east", Orders: 2, RevenueCents: 350},
		}
		got, err := store.DailySales(ctx, "2026-02-01", "2026-03-31")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("daily_sales (-want +got):\n%s", diff)
		}
		if res.Rows != 2 || res.OrdersRead != 4 || len(res.Days) != 1 || res.Days[0].Orders != 3 || res.Days[0].RevenueCents != 420 {
			t.Errorf("result = %+v", res)
		}
		if diff := cmp.Diff([]string{"daily-sales/2026-03-01.csv", "daily-sales/2026-03-01.parquet"}, res.Days[0].Exports); diff != "" {
			t.Errorf("exports (-want +got):\n%s", diff)
		}
		wantCSV := "day,region,orders,revenue_cents\n2026-03-01,eu-west,1,70\n2026-03-01,us-east,2,350\n"
		if got := string(read(t, exports, "daily-sales/2026-03-01.csv")); got != wantCSV {
			t.Errorf("csv export:\n%s\nwant:\n%s", got, wantCSV)
		}
		pq, err := export.ReadParquet(read(t, exports, "daily-sales/2026-03-01.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]export.Row{{Day: "2026-03-01", Region: "eu-west", Orders: 1, RevenueCents: 70}, {Day: "2026-03-01", Region: "us-east", Orders: 2, RevenueCents: 350}}, pq); diff != "" {
			t.Errorf("parquet export (-want +got):\n%s", diff)
		}

		// A late order and a rerun: the day is replaced, not added to.
		seed(t, d, orders.Order{Region: "eu-west", Status: orders.Pending, TotalCents: 30, CreatedAt: at("2026-03-01", 8, 0)})
		for range 2 {
			if _, err := job(store, exports, 1).Run(ctx, at("2026-03-01", 0, 0)); err != nil {
				t.Fatal(err)
			}
		}
		want[0] = reporting.DailySales{Day: "2026-03-01", Region: "eu-west", Orders: 2, RevenueCents: 100}
		got, _ = store.DailySales(ctx, "2026-02-01", "2026-03-31")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("daily_sales after rerun (-want +got):\n%s", diff)
		}

		// Lookback 3 from 03-02 recomputes 02-28, 03-01 and 03-02, with an
		// export for each, the empty-free days too.
		res, err = job(store, exports, 3).Run(ctx, at("2026-03-02", 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		got, _ = store.DailySales(ctx, "2026-02-01", "2026-03-31")
		wantAll := []reporting.DailySales{
			{Day: "2026-02-28", Region: "ap-south", Orders: 1, RevenueCents: 9},
			want[0], want[1],
			{Day: "2026-03-02", Region: "eu-west", Orders: 1, RevenueCents: 5},
		}
		if diff := cmp.Diff(wantAll, got); diff != "" {
			t.Errorf("daily_sales after lookback (-want +got):\n%s", diff)
		}
		if len(res.Days) != 3 || res.Rows != 4 {
			t.Errorf("lookback result = %+v", res)
		}
		list, _ := exports.List(ctx, "daily-sales/")
		if len(list) != 6 {
			t.Errorf("exports after lookback = %d objects, want 6", len(list))
		}

		// A day without orders writes no rows and a header-only CSV.
		res, err = job(store, exports, 1).Run(ctx, at("2026-03-04", 0, 0))
		if err != nil || res.Rows != 0 {
			t.Fatalf("empty day: %+v, %v", res, err)
		}
		if got := string(read(t, exports, "daily-sales/2026-03-04.csv")); got != "day,region,orders,revenue_cents\n" {
			t.Errorf("empty day csv = %q", got)
		}
	})
}

// failingExports fails every Put after the first ok ones.
type failingExports struct {
	blob.Store
	ok int
}

func (f *failingExports) Put(ctx context.Context, key string, r io.Reader, opts blob.PutOptions) error {
	if f.ok == 0 {
		return errors.New("bucket on fire")
	}
	f.ok--
	return f.Store.Put(ctx, key, r, opts)
}

// TestIntegrationRollupAllOrNothing: an export that cannot be written
// leaves the table as it was.
func TestIntegrationRollupAllOrNothing(t *testing.T) {
	dbtest.ForEachDriver(t, ordersmigrations.Set(), func(t *testing.T, d *db.DB) {
		setup(t, d)
		ctx := context.Background()
		seed(t, d, orders.Order{Region: "us-east", Status: orders.Pending, TotalCents: 100, CreatedAt: at("2026-03-01", 10, 0)})
		store := salesdb.New(d)
		mem := blob.NewMemory("exports")
		if _, err := job(store, mem, 1).Run(ctx, at("2026-03-01", 0, 0)); err != nil {
			t.Fatal(err)
		}
		before, _ := store.DailySales(ctx, "2026-03-01", "2026-03-01")

		seed(t, d, orders.Order{Region: "us-east", Status: orders.Pending, TotalCents: 50, CreatedAt: at("2026-03-01", 11, 0)})
		_, err := job(store, &failingExports{Store: mem, ok: 1}, 1).Run(ctx, at("2026-03-01", 0, 0))
		if err == nil || !strings.Contains(err.Error(), "bucket on fire") || !strings.Contains(err.Error(), `blob store "exports"`) {
			t.Fatalf("Run with a failing store = %v", err)
		}
		after, _ := store.DailySales(ctx, "2026-03-01", "2026-03-01")
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("daily_sales changed although the export failed (-before +after):\n%s", diff)
		}
	})
}

// TestRollupTimezone: with a timezone, days start at its midnight.
func TestRollupTimezone(t *testing.T) {
	t.Parallel()
	d := dbtest.NewSQLite(t, ordersmigrations.Set(), nil)
	setup(t, d)
	// 2026-03-01 23:30 UTC is 2026-03-02 00:30 in Berlin.
	seed(t, d, orders.Order{Region: "eu-central", Status: orders.Pending, TotalCents: 42, CreatedAt: at("2026-03-01", 23, 30)})
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	store := salesdb.New(d)
	j := job(store, blob.NewMemory("exports"), 1)
	j.Location = berlin
	res, err := j.Run(context.Background(), time.Date(2026, 3, 2, 0, 0, 0, 0, berlin))
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 1 || res.Days[0].Day != "2026-03-02" || res.Days[0].Orders != 1 {
		t.Errorf("result = %+v", res)
	}
}
