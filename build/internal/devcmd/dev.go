// Package devcmd implements `mono dev`: every local program built and
// started with ENV=local on embedded defaults (a SQLite file and a blob
// folder under .mono/dev, the local secrets file created from its example),
// migrations applied, seed data loaded, logs prefixed with the program's
// name, URLs printed once every program answers its health check. A program
// is rebuilt and restarted when its files change; Ctrl-C stops everything.
//
// The programs are a list of specs (programs.go), so the web console, the
// Dash app and Airflow join by adding an entry.
package devcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/complete"
	"github.com/acme/platform/build/internal/dbmigrate"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/workspace"
	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/db/dbconf"
)

// Options are the flags of mono dev.
type Options struct {
	// Only starts just these programs.
	Only []string
	// With adds optional programs (airflow).
	With []string
	// Dir holds the local state (database, blobs, binaries); relative to the
	// root. Default .mono/dev.
	Dir string
	// NoWatch turns off rebuilding on change.
	NoWatch bool
	// NoSeed skips loading the seed data.
	NoSeed bool
	// Plan prints what would start and exits.
	Plan bool
	// HealthTimeout bounds the wait for one program's health check.
	HealthTimeout time.Duration
}

// NewCommand returns the dev command.
func NewCommand(deps cli.Deps) *cobra.Command {
	opts := Options{}
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the platform locally on embedded defaults, rebuilding on change",
		Long: `Build and start every local program with ENV=local on embedded defaults:
a SQLite database and a blob folder under .mono/dev, the local secrets file
config/secrets.local.yaml (created from its example when missing). Apply the
migrations, load the seed data, prefix each program's log lines with its
name, wait until every program answers its health check and print the URLs.

When a program's files change (its Go packages, its migrations, config/),
mono dev rebuilds it and restarts it; a build that fails leaves the running
one in place. Ctrl-C stops everything.

Ports come from the configuration (config/base.yaml, config/local.yaml,
config/local.override.yaml, or variables such as ORDERS_API__HTTP__LISTEN).`,
		Example: `  mono dev
  mono dev --only orders-api
  mono dev --plan`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return Run(cmd.Context(), deps, opts)
		},
	}
	cmd.Flags().StringSliceVar(&opts.Only, "only", nil, "start only these programs (comma-separated or repeated)")
	cmd.Flags().StringSliceVar(&opts.With, "with", nil, "also start these optional programs: airflow")
	_ = cmd.RegisterFlagCompletionFunc("only", completePrograms(deps, false))
	_ = cmd.RegisterFlagCompletionFunc("with", completePrograms(deps, true))
	cmd.Flags().StringVar(&opts.Dir, "dir", ".mono/dev", "folder for the local database, blobs and binaries")
	cmd.Flags().BoolVar(&opts.NoWatch, "no-watch", false, "do not rebuild and restart on change")
	cmd.Flags().BoolVar(&opts.NoSeed, "no-seed", false, "do not load the seed data")
	cmd.Flags().BoolVar(&opts.Plan, "plan", false, "print what would start, then exit")
	cmd.Flags().DurationVar(&opts.HealthTimeout, "health-timeout", 90*time.Second, "how long a program may take to answer its health check")
	return cmd
}

// Env is what the programs run with.
type Env struct {
	// Root is the repository root; programs run in it.
	Root string
	// Dir is the absolute state folder; Bin holds the built programs.
	Dir, Bin string
	// Environ is the programs' environment: mono's own plus the overrides.
	Environ []string
	// Config is the local configuration as the programs will read it.
	Config *Config
	out    *output
	// ws and graph locate the migrations of a program.
	ws    *workspace.Workspace
	graph *graph.Graph
}

// Run starts the programs and supervises them until ctx is done. The
// programs get deps.Environ with mono dev's overrides (devEnviron).
func Run(ctx context.Context, deps cli.Deps, opts Options) error {
	ws, g, err := deps.Graph()
	if err != nil {
		return err
	}
	all, err := withOptional(Programs(), opts.With, opts.Only)
	if err != nil {
		return err
	}
	progs, err := selectPrograms(all, g, opts.Only)
	if err != nil {
		return err
	}
	out := newOutput(deps.IO.Out)
	if opts.Plan || len(progs) == 0 {
		return plan(deps.IO.Out, progs)
	}
	if opts.Dir == "" {
		opts.Dir = ".mono/dev"
	}
	if opts.HealthTimeout == 0 {
		opts.HealthTimeout = 90 * time.Second
	}
	dir := opts.Dir
	if !filepath.IsAbs(dir) {
		dir = ws.Path(dir)
	}
	e := &Env{Root: ws.Root, Dir: dir, Bin: filepath.Join(dir, "bin"), out: out, ws: ws, graph: g}
	configDir := ws.Path(ws.Settings.ConfigDir)
	if err := prepare(e, configDir, ws.Settings.ConfigDir); err != nil {
		return err
	}
	e.Environ = devEnviron(deps.Environ, e, configDir)
	set, err := deps.WithEnviron(e.Environ).Config(ws, config.Local, nil)
	if err != nil {
		return err
	}
	e.Config = &Config{set: set}
	// Every program reads the shared section: a broken one stops mono dev
	// before anything is built, with the same exit code as mono config.
	shared := components.DefaultShared()
	if err := e.Config.Decode(ctx, components.SharedName, &shared); err != nil {
		return err
	}

	sup := &supervisor{env: e, byName: map[string]*proc{}, healthTimeout: opts.HealthTimeout}
	for _, p := range progs {
		listen, err := p.Listen(ctx, e.Config)
		if err != nil {
			return err
		}
		addr, err := dialAddr(listen)
		if err != nil {
			return cli.Exit(cli.ExitConfig, err)
		}
		if err := portFree(listen); err != nil {
			return fmt.Errorf("%s cannot listen on %s: %w (stop what uses it, or set %s__HTTP__LISTEN)", p.Name, listen, err, envPrefix(p.Name))
		}
		pr := &proc{prog: p, base: "http://" + addr}
		sup.procs = append(sup.procs, pr)
		sup.byName[p.Name] = pr
	}
	out.width = 0
	for _, p := range progs {
		out.width = max(out.width, len(p.Name))
	}
	out.width = max(out.width, len("migrate"))
	for _, o := range opts.Only {
		for _, p := range Programs() {
			if p.Name != o {
				continue
			}
			for _, a := range p.After {
				if !slices.Contains(opts.Only, a) {
					out.line("mono", fmt.Sprintf("note: %s calls %s, which --only leaves out: calls that need it fail until it runs", o, a))
				}
			}
		}
	}

	defer sup.stopAll()
	if err := sup.startAll(ctx, opts.NoSeed); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	sup.printReady(ctx)
	if opts.NoWatch {
		<-ctx.Done()
	} else if err := sup.watch(ctx); err != nil && ctx.Err() == nil {
		return err
	}
	out.line("mono", "stopping")
	return nil
}

func envPrefix(name string) string {
	return strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// completePrograms completes --only (every local program whose component
// is in the workspace) and, with optional, --with (the optional ones).
func completePrograms(deps cli.Deps, optional bool) complete.Func {
	return complete.List(func() ([]string, error) {
		_, g, err := deps.Graph()
		if err != nil {
			return nil, err
		}
		var names []string
		for _, p := range Programs() {
			if _, err := g.Lookup(p.Name); err == nil && (p.Optional || !optional) {
				names = append(names, p.Name)
			}
		}
		return names, nil
	})
}

// selectPrograms keeps the programs whose component exists here, filtered
// by --only.
func selectPrograms(all []Program, g *graph.Graph, only []string) ([]Program, error) {
	var have []Program
	for _, p := range all {
		if _, err := g.Lookup(p.Name); err == nil {
			have = append(have, p)
		}
	}
	if len(only) == 0 {
		return have, nil
	}
	var names []string
	for _, p := range have {
		names = append(names, p.Name)
	}
	var out []Program
	for _, p := range have {
		if slices.Contains(only, p.Name) {
			out = append(out, p)
		}
	}
	for _, o := range only {
		if !slices.Contains(names, o) {
			return nil, cli.Usagef("--only %s: no such local program (programs: %s)", o, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// plan prints what mono dev starts.
func plan(w io.Writer, progs []Program) error {
	if len(progs) == 0 {
		var names []string
		for _, p := range Programs() {
			names = append(names, p.Name)
		}
		fmt.Fprintf(w, "mono dev: no local programs in this repository (it knows %s)\n", strings.Join(names, ", "))
		return nil
	}
	fmt.Fprintln(w, "mono dev starts, with ENV=local, in this order:")
	for _, p := range progs {
		what := p.Pkg
		if p.Command != nil {
			what = "(command)"
		}
		extra := ""
		if len(p.After) > 0 {
			extra = " after " + strings.Join(p.After, ", ")
		}
		if p.Migrations {
			extra += ", migrations applied first"
		}
		fmt.Fprintf(w, "  %-12s %s%s\n", p.Name, what, extra)
	}
	return nil
}

// prepare makes the state folders and the local secrets file.
func prepare(e *Env, configDir, configName string) error {
	for _, d := range []string{e.Dir, e.Bin, filepath.Join(e.Dir, "blobs", "exports")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	secrets := filepath.Join(configDir, "secrets.local.yaml")
	if _, err := os.Stat(secrets); errors.Is(err, os.ErrNotExist) {
		example, err := os.ReadFile(filepath.Join(configDir, "secrets.local.example.yaml"))
		if err != nil {
			return fmt.Errorf("create the local secrets file: %w", err)
		}
		if err := os.WriteFile(secrets, example, 0o600); err != nil {
			return fmt.Errorf("create the local secrets file: %w", err)
		}
		e.out.line("mono", fmt.Sprintf("created %s/secrets.local.yaml from its example (gitignored; edit it freely)", configName))
	}
	return nil
}

// devEnviron is mono's environment plus the local overrides: ENV, where the
// configuration is, and state under the dev folder unless the caller set it.
func devEnviron(environ []string, e *Env, configDir string) []string {
	out := slices.Clone(environ)
	set := func(k, v string, force bool) {
		for i, kv := range out {
			if strings.HasPrefix(kv, k+"=") {
				if force {
					out[i] = k + "=" + v
				}
				return
			}
		}
		out = append(out, k+"="+v)
	}
	set("ENV", config.Local, true)
	set("CONFIG_DIR", configDir, true)
	set("SHARED__DATABASE__DSN", "file:"+filepath.Join(e.Dir, "orders.db"), false)
	set("SHARED__BLOBS__EXPORTS__DIR", filepath.Join(e.Dir, "blobs", "exports"), false)
	return out
}

func portFree(listen string) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return errors.New("address in use")
	}
	return ln.Close()
}

// migrate applies a component's migrations to the local database the
// programs use.
func (e *Env) migrate(ctx context.Context, component string) error {
	w := e.out.writer("migrate")
	defer w.Flush()
	c := e.graph.Get(component)
	if c == nil {
		return fmt.Errorf("migrate %s: no such component", component)
	}
	set, err := dbmigrate.Set(e.ws, c)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	shared := components.DefaultShared()
	if err := e.Config.Decode(ctx, components.SharedName, &shared); err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	cfg, err := dbconf.FromShared(component, shared, e.Root)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	req := dbmigrate.Request{Action: dbmigrate.Up, Env: config.Local, Set: set, DB: cfg, Out: w, Log: w}
	if err := dbmigrate.Run(ctx, req); err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	return nil
}

// output serialises the lines of mono and of every program.
type output struct {
	mu    sync.Mutex
	w     io.Writer
	width int
}

func newOutput(w io.Writer) *output { return &output{w: w, width: 10} }

func (o *output) line(name, text string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(o.w, "%-*s | %s\n", o.width, name, text)
}

func (o *output) raw(text string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprint(o.w, text)
}

// writer returns a writer that prefixes each line with name.
func (o *output) writer(name string) *prefixWriter {
	return &prefixWriter{o: o, name: name}
}

// prefixWriter turns a stream into prefixed lines.
type prefixWriter struct {
	o    *output
	name string
	mu   sync.Mutex
	buf  []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := slices.Index(p.buf, '\n')
		if i < 0 {
			break
		}
		p.o.line(p.name, string(p.buf[:i]))
		p.buf = p.buf[i+1:]
	}
	if len(p.buf) > 64<<10 { // a very long line without newline
		p.o.line(p.name, string(p.buf))
		p.buf = p.buf[:0]
	}
	return len(b), nil
}

// Flush writes a last line without newline.
func (p *prefixWriter) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		p.o.line(p.name, string(p.buf))
		p.buf = nil
	}
}
