// Command pricing serves the pricing API over Connect, gRPC and gRPC-Web
// (HTTP/1.1 and cleartext HTTP/2) through libs/server, pricing with the
// company's rules (libs/business/pricing). Configuration comes from
// libs/config (the pricing and shared sections of config/); see
// docs/services.md.
package main

import (
	"context"
	"io"
	"net/http"
	"os"

	"github.com/acme/platform/libs/business/pricing"
	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/server"
	"github.com/acme/platform/libs/setup"
	"github.com/acme/platform/services/pricing/pricingsvc"
)

const program = "pricing"

func main() { os.Exit(setup.Main(program, run)) }

// run reads down: setup (config, logger, metrics, tracing), rules, handler,
// server.
func run(ctx context.Context, getenv func(string) string, environ []string, stdout io.Writer) error {
	p, err := setup.Load(ctx, setup.Options{Program: program, Section: components.PricingName, BufferLogs: true, Getenv: getenv, Environ: environ, Stdout: stdout}, components.DefaultPricing())
	if err != nil {
		return err
	}
	defer p.Close()
	own := p.Own
	p.Starting("listen", own.HTTP.Listen)

	// libs/server's otelhttp layer traces every call (W3C context in, span
	// per request), so the handler needs no interceptor of its own.
	mux := http.NewServeMux()
	mux.Handle(pricingsvc.New(pricing.DefaultRules()).Routes())
	srv := server.New(server.Config{
		Addr: own.HTTP.Listen, AdminAddr: own.HTTP.AdminListen, H2C: true,
		ReadTimeout: own.HTTP.ReadTimeout, WriteTimeout: own.HTTP.WriteTimeout, ShutdownTimeout: own.HTTP.ShutdownTimeout,
	}, p.Log, p.Metrics, mux)
	return srv.Run(ctx)
}
