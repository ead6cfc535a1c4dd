// Command console serves the orders web console: the React app built by
// Vite (web/console, `npm run build`) embedded in the binary, with the
// single-page-app fallback, cache and security headers, and in local mode
// (console.api_proxy) /api proxied to orders-api. Plumbing (health, metrics,
// request ids, graceful shutdown) comes from libs/server; configuration from
// libs/config (the console and shared sections). See docs/web-and-dash.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/server"
	"github.com/acme/platform/libs/telemetry"
)

const program = "console"

// version is set at link time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	// --static-dir serves a Vite build from disk instead of the embedded one:
	// mono dev builds into its state folder, so rebuilding never writes into
	// the source tree it watches.
	staticDir := flag.String("static-dir", "", "serve the app from this folder (a Vite build) instead of the embedded files")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Environ(), os.Stdout, *staticDir); err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("program", program).Error("console stopped", "err", err)
		os.Exit(1)
	}
}

// run reads down: config, logger, the embedded app, the proxy, the server.
func run(ctx context.Context, getenv func(string) string, environ []string, stdout io.Writer, staticDir string) error {
	dir := getenv("CONFIG_DIR")
	if dir == "" {
		dir = "config"
	}
	cfg, err := components.Load(ctx, config.Options{FS: os.DirFS(dir), Dir: dir, Env: getenv("ENV"), Environ: environ}, program, components.DefaultConsole())
	if err != nil {
		return err
	}
	own := cfg.Own
	log, err := telemetry.NewLogger(stdout, program, telemetry.LogConfig{Level: cfg.Shared.Log.Level, Format: cfg.Shared.Log.Format})
	if err != nil {
		return err
	}
	reg := telemetry.NewRegistry(program, version)

	app, err := embeddedSite()
	if staticDir != "" {
		app, err = loadSite(os.DirFS(staticDir))
	}
	if err != nil {
		return err
	}
	if !app.built {
		log.Warn("no console build to serve: every page says how to build it (npm run build -w web/console, then go build)", "static_dir", staticDir)
	}
	var api http.Handler
	if own.APIProxy {
		target, err := url.Parse(own.OrdersAPIURL)
		if err != nil || target.Host == "" {
			return fmt.Errorf("console.orders_api_url %q is not a URL", own.OrdersAPIURL)
		}
		api = apiProxy(target, log)
	}
	log.Info("starting", "env", cfg.Set.Env(), "version", version, "listen", own.HTTP.Listen, "api_proxy", own.APIProxy, "orders_api_url", own.OrdersAPIURL)
	srv := server.New(server.Config{
		Addr: own.HTTP.Listen, AdminAddr: own.HTTP.AdminListen,
		ReadTimeout: own.HTTP.ReadTimeout, WriteTimeout: own.HTTP.WriteTimeout, ShutdownTimeout: own.HTTP.ShutdownTimeout,
	}, log, reg, newHandler(app, api))
	return srv.Run(ctx)
}
