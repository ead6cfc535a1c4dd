// Command orders-api serves the orders REST API (OpenAPI 3.1 at
// /openapi.json, docs at /docs) over the orders database, pricing orders
// through the pricing service. Configuration comes from libs/config (the
// orders-api and shared sections of config/, ENV selects the environment);
// see docs/services.md.
package main

//go:generate go run ./api/openapigen openapi.json

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/acme/platform/libs/business/orders"
	"github.com/acme/platform/libs/business/reporting"
	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbconf"
	"github.com/acme/platform/libs/server"
	"github.com/acme/platform/libs/setup"
	"github.com/acme/platform/services/orders-api/api"
	"github.com/acme/platform/services/orders-api/auth"
	"github.com/acme/platform/services/orders-api/ordersdb"
	"github.com/acme/platform/services/pricing/pricingclient"
)

const program = "orders-api"

func main() {
	r, err := command(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "orders-api:", err)
		os.Exit(2)
	}
	os.Exit(setup.Main(program, r))
}

// run reads down: setup (config, logger, metrics, tracing), database (in
// the background), stores, services, handlers, server; it returns when ctx
// is done and the server has drained.
func run(ctx context.Context, getenv func(string) string, environ []string, stdout io.Writer) error {
	p, err := setup.Load(ctx, setup.Options{Program: program, Section: components.OrdersAPIName, BufferLogs: true, Getenv: getenv, Environ: environ, Stdout: stdout}, components.DefaultOrdersAPI())
	if err != nil {
		return err
	}
	defer p.Close()
	own, log := p.Own, p.Log
	p.Starting("listen", own.HTTP.Listen, "pricing", own.PricingURL)

	dbCfg, err := dbconf.FromShared("orders", p.Shared, p.WorkDir)
	if err != nil {
		return err
	}
	gate := &ordersdb.Gate{}
	dbDone := make(chan *db.DB, 1)
	go func() { dbDone <- openDB(ctx, dbCfg, gate, log, p.Metrics) }()
	defer func() {
		if d := <-dbDone; d != nil {
			_ = d.Close()
		}
	}()

	client, err := pricingclient.New(pricingclient.Config{URL: own.PricingURL, Timeout: own.PricingTimeout},
		&http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport)})
	if err != nil {
		return err
	}
	verifier, err := auth.NewVerifier([]byte(own.JWT.SigningKey.Reveal()), own.JWT.Issuer, nil)
	if err != nil {
		return err
	}
	handler := api.New(api.Deps{
		Orders:      orders.NewService(gate, client, time.Now, newID),
		Reports:     reporting.NewService(gate),
		Verifier:    verifier,
		Log:         log,
		Unavailable: []error{pricingclient.ErrUnavailable, ordersdb.ErrNotReady},
	})
	srv := server.New(server.Config{
		Addr: own.HTTP.Listen, AdminAddr: own.HTTP.AdminListen,
		ReadTimeout: own.HTTP.ReadTimeout, WriteTimeout: own.HTTP.WriteTimeout, ShutdownTimeout: own.HTTP.ShutdownTimeout,
	}, log, p.Metrics, handler,
		server.Check{Name: "database", Fn: gate.Ping},
		server.Check{Name: "pricing", Fn: healthy(own.PricingURL)},
	)
	return srv.Run(ctx)
}

// openDB opens the database, retrying until it answers or ctx ends, and
// opens the gate. Until then the API answers 503 and /readyz fails; each
// failed round is logged with what to check.
func openDB(ctx context.Context, cfg db.Config, gate *ordersdb.Gate, log *slog.Logger, reg *prometheus.Registry) *db.DB {
	for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
		d, err := db.Open(ctx, cfg, db.WithLogger(log), db.WithRegisterer(reg))
		if err == nil {
			gate.Open(ordersdb.New(d))
			log.Info("database ready", "database", cfg.Target())
			return d
		}
		if ctx.Err() != nil {
			return nil
		}
		log.Error("database unreachable: serving with /readyz failing until it answers; check shared.database in the config",
			"database", cfg.Target(), "retry_in", wait.String(), "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// healthy checks the /healthz of a service.
func healthy(base string) func(context.Context) error {
	client := &http.Client{Timeout: 2 * time.Second}
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
		if err != nil {
			return err
		}
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("%s/healthz: %s", base, res.Status)
		}
		return nil
	}
}

// newID returns a time-ordered UUID (v7), which keeps the primary key index
// append-mostly.
func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}
