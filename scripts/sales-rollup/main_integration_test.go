package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/acme/platform/libs/batch"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbtest"
	"github.com/acme/platform/scripts/sales-rollup/salesdb"
	ordersmigrations "github.com/acme/platform/services/orders-api/migrations"
)

// TestIntegrationRunPostgres runs the job as in the cloud environments: on
// PostgreSQL, migrating its own table beside orders-api's on first run.
func TestIntegrationRunPostgres(t *testing.T) {
	t.Parallel()
	cfg := dbtest.NewPostgresConfig(t, ordersmigrations.Set())
	dsn := (&url.URL{Scheme: "postgres", User: url.UserPassword(cfg.User, cfg.Password), Host: fmt.Sprintf("%s:%d", cfg.Host, cfg.Port), Path: cfg.Database, RawQuery: "sslmode=disable"}).String()
	e := newEnv(t, "SHARED__DATABASE__DRIVER=postgres", "SHARED__DATABASE__DSN="+dsn, "SHARED__DATABASE__HOST="+cfg.Host,
		fmt.Sprintf("SHARED__DATABASE__PORT=%d", cfg.Port), "SHARED__DATABASE__NAME="+cfg.Database, "SHARED__DATABASE__USER="+cfg.User)
	ctx := context.Background()
	d, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	seed(t, d, "2026-03-01", 100, 250, 70, 30)

	for i := range 2 {
		code, log := e.run(t, "--date", "2026-03-01", "--lookback", "2")
		if code != batch.ExitOK {
			t.Fatalf("run %d: exit %d:\n%s", i, code, log)
		}
		if strings.Contains(log, cfg.Password) {
			t.Fatalf("the password is in the log:\n%s", log)
		}
	}
	rows, err := salesdb.New(d).DailySales(ctx, "2026-02-01", "2026-03-31")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Region != "eu-west" || rows[0].Orders != 2 || rows[0].RevenueCents != 170 || rows[1].RevenueCents != 280 {
		t.Errorf("daily_sales = %+v", rows)
	}
}
