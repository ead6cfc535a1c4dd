package main

import (
	"context"
	"fmt"
	"io"

	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbconf"
	"github.com/acme/platform/libs/db/migrate"
	"github.com/acme/platform/libs/setup"
	"github.com/acme/platform/services/orders-api/migrations"
)

// command picks what the binary does from its arguments: serve (none), or
// migrate: apply the embedded migrations to the database of the
// configuration and exit, which the chart's migration Job runs before each
// rollout (deploy/charts/app, docs/deploy.md).
func command(args []string) (setup.Run, error) {
	switch {
	case len(args) == 0:
		return run, nil
	case len(args) == 1 && args[0] == "migrate":
		return migrateUp, nil
	}
	return nil, fmt.Errorf("unknown arguments %q: run orders-api with none to serve, or orders-api migrate", args)
}

// migrateUp applies the orders migrations (the same set and version table as
// `mono db migrate up -c orders-api`) under the migration lock and logs
// what it applied.
func migrateUp(ctx context.Context, getenv func(string) string, environ []string, stdout io.Writer) error {
	p, err := setup.Load(ctx, setup.Options{Program: program, Section: components.OrdersAPIName, Getenv: getenv, Environ: environ, Stdout: stdout}, components.DefaultOrdersAPI())
	if err != nil {
		return err
	}
	defer p.Close()
	dbCfg, err := dbconf.FromShared("orders", p.Shared, p.WorkDir)
	if err != nil {
		return err
	}
	d, err := db.Open(ctx, dbCfg, db.WithLogger(p.Log))
	if err != nil {
		return fmt.Errorf("open the orders database: %w", err)
	}
	defer d.Close()
	m, err := migrate.New(d, migrations.Set(), migrate.Options{Logger: p.Log})
	if err != nil {
		return err
	}
	applied, err := m.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate the orders database: %w", err)
	}
	p.Log.Info("migrated", "database", dbCfg.Target(), "applied", len(applied))
	return nil
}
