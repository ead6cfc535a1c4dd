package dbconf_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbconf"
)

func TestFromShared(t *testing.T) {
	t.Parallel()
	sqlite := components.DefaultShared()
	sqlite.Database.DSN = config.NewSecret("file:.mono/data/orders.db?cache=shared")
	pg := components.DefaultShared()
	pg.Database.Driver = "postgres"
	pg.Database.Host, pg.Database.Name, pg.Database.User = "db.internal", "orders", "orders_app"
	pg.Database.Password = config.NewSecret("s3cret")
	pg.Database.SSLMode, pg.Database.IAMAuth = "verify-full", true
	tests := []struct {
		name string
		in   components.Shared
		want db.Config
	}{
		{"sqlite relative to base", sqlite, db.Config{
			Name: "orders", Driver: db.SQLite, Path: "/repo/.mono/data/orders.db", MaxConns: 10,
			MaxConnLifetime: 30 * time.Minute, ConnectTimeout: 5 * time.Second, QueryTimeout: 30 * time.Second,
		}},
		{"postgres", pg, db.Config{
			Name: "orders", Driver: db.Postgres, Host: "db.internal", Port: 5432, Database: "orders", User: "orders_app",
			Password: "s3cret", SSLMode: "verify-full", IAMAuth: true, Region: "eu-central-1", MaxConns: 10,
			MaxConnLifetime: 30 * time.Minute, ConnectTimeout: 5 * time.Second, QueryTimeout: 30 * time.Second,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := dbconf.FromShared("orders", tt.in, "/repo")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FromShared (-want +got):\n%s", diff)
			}
			if err := got.WithDefaults().Validate(); err != nil {
				t.Errorf("mapped config invalid: %v", err)
			}
		})
	}
}
