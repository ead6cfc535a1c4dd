// Command pricing serves the pricing API over Connect, gRPC and gRPC-Web
// (HTTP/1.1 and cleartext HTTP/2) through libs/server, pricing with the
// company's rules (libs/business/pricing). Configuration comes from
// libs/config (the pricing and shared sections of config/); see
// docs/services.md.
package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/acme/platform/libs/business/pricing"
	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/server"
	"github.com/acme/platform/libs/telemetry"
	"github.com/acme/platform/services/pricing/pricingsvc"
)

const program = "pricing"

// version is set at link time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Environ(), os.Stdout); err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("program", program).Error("pricing stopped", "err", err)
		os.Exit(1)
	}
}

// run reads down: config, logger and telemetry, rules, handler, server.
func run(ctx context.Context, getenv func(string) string, environ []string, stdout io.Writer) error {
	dir := getenv("CONFIG_DIR")
	if dir == "" {
		dir = "config"
	}
	cfg, err := components.Load(ctx, config.Options{FS: os.DirFS(dir), Dir: dir, Env: getenv("ENV"), Environ: environ}, program, components.DefaultPricing())
	if err != nil {
		return err
	}
	own := cfg.Own
	// Log lines are batched (flushed every 100ms and at exit): one write
	// per access-log line would cost a busy server much of its throughput.
	logOut := telemetry.NewBufferedWriter(stdout, 256<<10, 100*time.Millisecond)
	defer logOut.Close()
	log, err := telemetry.NewLogger(logOut, program, telemetry.LogConfig{Level: cfg.Shared.Log.Level, Format: cfg.Shared.Log.Format})
	if err != nil {
		return err
	}
	stopTracing, err := telemetry.SetupTracing(ctx, program, version, telemetry.OTLP(cfg.Shared.Telemetry.OTLPEndpoint, cfg.Shared.Telemetry.SampleRatio), stdout)
	if err != nil {
		return err
	}
	defer func() { _ = stopTracing(context.WithoutCancel(ctx)) }()
	reg := telemetry.NewRegistry(program, version)
	log.Info("starting", "env", cfg.Set.Env(), "version", version, "listen", own.HTTP.Listen)

	// libs/server's otelhttp layer traces every call (W3C context in, span
	// per request), so the handler needs no interceptor of its own.
	mux := http.NewServeMux()
	mux.Handle(pricingsvc.New(pricing.DefaultRules()).Routes())
	srv := server.New(server.Config{
		Addr: own.HTTP.Listen, AdminAddr: own.HTTP.AdminListen, H2C: true,
		ReadTimeout: own.HTTP.ReadTimeout, WriteTimeout: own.HTTP.WriteTimeout, ShutdownTimeout: own.HTTP.ShutdownTimeout,
	}, log, reg, mux)
	return srv.Run(ctx)
}
