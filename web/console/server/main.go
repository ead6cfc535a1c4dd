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
	"net/http"
	"net/url"
	"os"

	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/server"
	"github.com/acme/platform/libs/setup"
)

const program = "console"

func main() {
	// --static-dir serves a Vite build from disk instead of the embedded one:
	// mono dev builds into its state folder, so rebuilding never writes into
	// the source tree it watches.
	staticDir := flag.String("static-dir", "", "serve the app from this folder (a Vite build) instead of the embedded files")
	flag.Parse()
	os.Exit(setup.Main(program, func(ctx context.Context, getenv func(string) string, environ []string, stdout io.Writer) error {
		return run(ctx, getenv, environ, stdout, *staticDir)
	}))
}

// run reads down: setup (config, logger, metrics, tracing), the app, the
// proxy, the server.
func run(ctx context.Context, getenv func(string) string, environ []string, stdout io.Writer, staticDir string) error {
	p, err := setup.Load(ctx, setup.Options{Program: program, Section: components.ConsoleName, Getenv: getenv, Environ: environ, Stdout: stdout}, components.DefaultConsole())
	if err != nil {
		return err
	}
	defer p.Close()
	own, log := p.Own, p.Log

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
	p.Starting("listen", own.HTTP.Listen, "api_proxy", own.APIProxy, "orders_api_url", own.OrdersAPIURL)
	srv := server.New(server.Config{
		Addr: own.HTTP.Listen, AdminAddr: own.HTTP.AdminListen,
		ReadTimeout: own.HTTP.ReadTimeout, WriteTimeout: own.HTTP.WriteTimeout, ShutdownTimeout: own.HTTP.ShutdownTimeout,
	}, log, p.Metrics, newHandler(app, api))
	return srv.Run(ctx)
}
