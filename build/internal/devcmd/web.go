package devcmd

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/testenv/npmenv"
	"github.com/acme/platform/libs/testenv/pyenv"
)

// consoleProgram is web/console: npm ci when the lockfile changed, the Vite
// build into the state folder (never into the watched source tree), the Go
// server built from web/console/server and run with --static-dir on that
// build. Its /api goes to orders-api (console.api_proxy in config/local.yaml).
func consoleProgram() Program {
	dist := func(e *Env) string { return filepath.Join(e.Dir, "console", "dist") }
	bin := func(e *Env) string { return filepath.Join(e.Bin, "console") }
	return Program{
		Name: components.ConsoleName, Pkg: "./web/console/server", Health: "/healthz",
		After: []string{components.OrdersAPIName},
		Watch: []string{"web/console"},
		Build: func(ctx context.Context, e *Env) error {
			if err := npmenv.Ensure(ctx, e.Root, func(s string) { e.out.line("console", s) }); err != nil {
				return err
			}
			start := time.Now()
			if err := e.run(ctx, "build", "npm", "run", "build", "--workspace", "web/console", "--silent", "--",
				"--outDir", dist(e), "--emptyOutDir", "--logLevel", "warn"); err != nil {
				return fmt.Errorf("vite build: %w", err)
			}
			if err := e.run(ctx, "build", "go", "build", "-o", bin(e), "./web/console/server"); err != nil {
				return fmt.Errorf("go build: %w", err)
			}
			e.out.line("build", fmt.Sprintf("built web/console (vite) and ./web/console/server in %s", time.Since(start).Round(100*time.Millisecond)))
			return nil
		},
		Command: func(e *Env) []string { return []string{bin(e), "--static-dir", dist(e)} },
		Listen: func(ctx context.Context, c *Config) (string, error) {
			o := components.DefaultConsole()
			if err := c.Decode(ctx, components.ConsoleName, &o); err != nil {
				return "", err
			}
			return o.HTTP.Listen, nil
		},
		Links: []Link{{"health", "/healthz"}},
		Extra: func(context.Context, *Env) ([]string, error) {
			return []string{"sign in with the orders-api token printed above"}, nil
		},
	}
}

// salesDashProgram is dash/sales: its venv (.mono/venvs/sales-dash, made
// on first run from requirements.txt, with progress) and the app run with
// SALES_DASH__* variables taken from the resolved sales-dash section.
func salesDashProgram() Program {
	var (
		mu     sync.Mutex
		python string
		vars   []string
	)
	return Program{
		Name: components.SalesDashName, Health: "/healthz",
		After: []string{components.OrdersAPIName},
		Watch: []string{"dash/sales"},
		Build: func(ctx context.Context, e *Env) error {
			req, err := os.ReadFile(filepath.Join(e.Root, "dash", "sales", "requirements.txt"))
			if err != nil {
				return err
			}
			env, err := pyenv.Ensure(ctx, e.Root, components.SalesDashName, req, func(s string) { e.out.line("sales-dash", s) })
			if err != nil {
				return err
			}
			v, err := salesDashVars(ctx, e.Config)
			if err != nil {
				return err
			}
			mu.Lock()
			python, vars = env.Python(), v
			mu.Unlock()
			return nil
		},
		// The settings travel as the environment of the app, set by env(1)
		// just before it execs Python: they are not in Python's command line.
		Command: func(e *Env) []string {
			mu.Lock()
			defer mu.Unlock()
			argv := append([]string{"env"}, vars...)
			return append(argv, python, filepath.Join(e.Root, "dash", "sales", "app.py"))
		},
		Listen: func(ctx context.Context, c *Config) (string, error) {
			d := components.DefaultSalesDash()
			if err := c.Decode(ctx, components.SalesDashName, &d); err != nil {
				return "", err
			}
			return d.Listen, nil
		},
		Links: []Link{{"health", "/healthz"}},
	}
}

// salesDashVars maps the sales-dash section to the variables the app reads
// (dash/sales/sales_dash/config.py), named as libs/config names overrides.
func salesDashVars(ctx context.Context, c *Config) ([]string, error) {
	d := components.DefaultSalesDash()
	if err := c.Decode(ctx, components.SalesDashName, &d); err != nil {
		return nil, err
	}
	p := strings.ToUpper(strings.ReplaceAll(components.SalesDashName, "-", "_")) + "__"
	return []string{
		p + "LISTEN=" + d.Listen,
		p + "ORDERS_API_URL=" + d.OrdersAPIURL,
		p + "REFRESH_INTERVAL=" + strconv.FormatFloat(d.RefreshInterval.Seconds(), 'f', -1, 64) + "s",
		p + "JWT__SIGNING_KEY=" + d.JWT.SigningKey.Reveal(),
		p + "JWT__ISSUER=" + d.JWT.Issuer,
		p + "JWT__TTL=" + strconv.FormatFloat(d.JWT.TTL.Seconds(), 'f', -1, 64) + "s",
		"PYTHONUNBUFFERED=1",
		"PYTHONDONTWRITEBYTECODE=1",
	}, nil
}

// run runs a command in the root with the programs' environment, its
// output prefixed with name.
func (e *Env) run(ctx context.Context, name string, argv ...string) error {
	w := e.out.writer(name)
	defer w.Flush()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = e.Root, e.Environ, w, w
	return cmd.Run()
}
