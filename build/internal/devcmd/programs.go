package devcmd

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
)

// Program is one thing mono dev runs. Go programs are built from Pkg; a
// later program that is not Go (the Vite console, the Dash app, Airflow)
// sets Build and Command instead. Programs start in list order, each after
// the ones it lists in After answer their health check.
type Program struct {
	// Name is the component name (services/orders-api -> orders-api).
	Name string
	// Pkg is the Go main package, relative to the root (./services/pricing).
	Pkg string
	// Build, when set, replaces `go build` (npm run build, a venv, ...).
	Build func(ctx context.Context, e *Env) error
	// Command, when set, replaces running the built binary.
	Command func(e *Env) []string
	// Watch are more folders (relative to the root, watched with their
	// subfolders) whose changes rebuild and restart the program; a Go
	// program's packages and its component folder are watched anyway.
	Watch []string
	// Listen reads the program's listen address from its configuration.
	Listen func(ctx context.Context, c *Config) (string, error)
	// Health is the path that answers 200 once the program is up.
	Health string
	// Links are printed with the base URL when everything is up.
	Links []Link
	// After names programs that must be healthy first.
	After []string
	// Migrations says the component owns database migrations, applied with
	// dbmigrate (as `mono db migrate up` does) before it starts and when
	// they change.
	Migrations bool
	// Seed loads sample data once the program is healthy; it must be
	// idempotent (mono dev runs it on every start).
	Seed func(ctx context.Context, e *Env, base string) (string, error)
	// Extra prints lines under the program's URL (a token to call it with).
	Extra func(ctx context.Context, e *Env) ([]string, error)
	// Optional programs start only when --with (or --only) names them.
	Optional bool
}

// Link is a labelled path of a program.
type Link struct {
	Label, Path string
}

// Programs are the local programs, in start order.
func Programs() []Program {
	return []Program{
		{
			Name: components.PricingName, Pkg: "./services/pricing", Health: "/healthz",
			Listen: func(ctx context.Context, c *Config) (string, error) {
				p := components.DefaultPricing()
				if err := c.Decode(ctx, components.PricingName, &p); err != nil {
					return "", err
				}
				return p.HTTP.Listen, nil
			},
			Links: []Link{{"health", "/healthz"}, {"metrics", "/metrics"}},
		},
		{
			Name: components.OrdersAPIName, Pkg: "./services/orders-api", Health: "/healthz",
			After: []string{components.PricingName}, Migrations: true,
			Listen: func(ctx context.Context, c *Config) (string, error) {
				o := components.DefaultOrdersAPI()
				if err := c.Decode(ctx, components.OrdersAPIName, &o); err != nil {
					return "", err
				}
				return o.HTTP.Listen, nil
			},
			Links: []Link{{"docs", "/docs"}, {"openapi", "/openapi.json"}, {"health", "/healthz"}, {"ready", "/readyz"}},
			Seed:  seedOrders,
			Extra: editorToken,
		},
		consoleProgram(),   // web.go
		salesDashProgram(), // web.go
		airflowProgram(),   // airflow.go; optional: mono dev --with airflow
	}
}

// Config is the local configuration the programs will read, with mono
// dev's overrides applied.
type Config struct {
	set *config.Set
}

// Decode reads a section into dst, a pointer to a struct holding the
// section's defaults.
func (c *Config) Decode(ctx context.Context, section string, dst any) error {
	if _, err := c.set.Decode(ctx, section, dst); err != nil {
		return fmt.Errorf("config section %s: %w", section, err)
	}
	return nil
}

// dialAddr turns a listen address (":8080", "0.0.0.0:8080") into one to
// call (127.0.0.1:8080).
func dialAddr(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("listen address %q: %w", listen, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" || strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}
