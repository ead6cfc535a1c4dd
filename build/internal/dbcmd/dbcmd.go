// Package dbcmd implements `mono db migrate up|down|status|create`: the
// versioned SQL migrations a component owns (<component>/migrations/
// {postgres,sqlite}/, see docs/db.md), run against the database the
// environment's configuration names.
package dbcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/workspace"
	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbconf"
	"github.com/acme/platform/libs/db/migrate"
)

// Deps are what the db commands need beyond cli.Deps.
type Deps struct {
	cli.Deps
	// Environ lists the process environment as KEY=VALUE: the variable
	// layer of the configuration.
	Environ func() []string
}

// ProtectedEnv is the environment where down needs --force.
const ProtectedEnv = "prod"

// MigrationsSetting is the component.yaml key (deploy.settings) that moves
// a component's migrations folder away from the default "migrations".
const MigrationsSetting = "migrations"

// MigrationsTableSetting is the component.yaml key (deploy.settings) naming
// the table that records the component's applied versions, for a component
// whose tables share a database with another component's (default
// migrate.TableName). The component's own binary must use the same name.
const MigrationsTableSetting = "migrations_table"

// NewCommand returns `mono db` with its subcommands.
func NewCommand(d Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Database tasks: migrations",
	}
	cmd.AddCommand(migrateCommand(d))
	return cmd
}

// Request is one migrate invocation, as the flags give it.
type Request struct {
	Action    string // up, down, status, create
	Env       string
	Component string
	JSON      bool
	Force     bool
	To        int64  // down: target version; -1 means one step
	Name      string // create: the new migration's name
}

func migrateCommand(d Deps) *cobra.Command {
	req := Request{To: -1}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply, roll back, show or create a component's migrations",
		Long: `Migrations are versioned SQL files a component owns, one folder per dialect:
<component>/migrations/postgres/ and <component>/migrations/sqlite/ (the
folder can be moved with deploy.settings.migrations in component.yaml). The
component embeds them in its binary; mono reads the same files from disk.

The database is shared.database of the environment's configuration
(config/<env>.yaml; local: a SQLite file under .mono/data). --env defaults
to $ENV, then local. A run holds a lock (a PostgreSQL advisory lock, a file
lock for SQLite), so concurrent runs are safe. down in prod needs --force.`,
	}
	cmd.PersistentFlags().StringVar(&req.Env, "env", "", "environment (default $ENV, then local)")
	cmd.PersistentFlags().StringVarP(&req.Component, "component", "c", "", "component that owns the migrations (required)")
	cmd.PersistentFlags().BoolVar(&req.JSON, "json", false, "print JSON for machines")
	_ = cmd.MarkPersistentFlagRequired("component")

	sub := func(action, short string, args cobra.PositionalArgs) *cobra.Command {
		return &cobra.Command{
			Use:   action,
			Short: short,
			Args:  args,
			RunE: func(c *cobra.Command, args []string) error {
				r := req
				r.Action = action
				if len(args) > 0 {
					r.Name = args[0]
				}
				return Run(c.Context(), d, r)
			},
		}
	}
	up := sub("up", "Apply every pending migration", cobra.NoArgs)
	down := sub("down", "Roll back the latest migration (or down to --to)", cobra.NoArgs)
	down.Flags().Int64Var(&req.To, "to", -1, "roll back every migration above this version (0: all)")
	down.Flags().BoolVar(&req.Force, "force", false, "allow rolling back in "+ProtectedEnv)
	status := sub("status", "Show which migrations are applied", cobra.NoArgs)
	create := sub("create NAME", "Write the next migration file for each dialect", cobra.ExactArgs(1))
	cmd.AddCommand(up, down, status, create)
	return cmd
}

// Run performs one migrate request and prints its outcome.
func Run(ctx context.Context, d Deps, req Request) error {
	ws, g, err := d.Graph()
	if err != nil {
		return err
	}
	comp, err := g.Lookup(req.Component)
	if err != nil {
		return err
	}
	dir, err := migrationsDir(comp)
	if err != nil {
		return err
	}
	abs := ws.Path(dir)
	out := d.IO.Out

	if req.Action == "create" {
		files, err := migrate.Create(abs, req.Name)
		if err != nil {
			return cli.Usagef("create migration: %v", err)
		}
		if req.JSON {
			return cli.WriteJSON(out, map[string]any{"files": relAll(ws, files)})
		}
		for _, f := range relAll(ws, files) {
			fmt.Fprintf(out, "created %s\n", f)
		}
		fmt.Fprintln(out, "Write the up and down statements in both files; the versions must stay in step.")
		return nil
	}

	if _, err := os.Stat(abs); err != nil {
		return cli.Usagef("component %s has no migrations folder %s (create one with: mono db migrate create NAME -c %s)", comp.Name, dir, comp.Name)
	}
	env, err := resolveEnv(d, ws, req.Env)
	if err != nil {
		return err
	}
	if req.Action == "down" && env == ProtectedEnv && !req.Force {
		return cli.Usagef("refusing to roll back %s in %s without --force (a rollback can drop data; take a snapshot first)", comp.Name, env)
	}
	cfg, err := databaseConfig(ctx, d, ws, env, comp.Name)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(d.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	conn, err := db.Open(ctx, cfg, db.WithLogger(log))
	if err != nil {
		return fmt.Errorf("open database of %s in %s: %w", comp.Name, env, err)
	}
	defer conn.Close()
	table, err := migrationsTable(comp)
	if err != nil {
		return err
	}
	m, err := migrate.New(conn, migrate.Set{Name: comp.Name, FS: os.DirFS(abs), Table: table}, migrate.Options{Logger: log})
	if err != nil {
		return err
	}
	where := fmt.Sprintf("%s in %s: %s", comp.Name, env, cfg.Target())

	switch req.Action {
	case "status":
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		if req.JSON {
			return cli.WriteJSON(out, map[string]any{"component": comp.Name, "env": env, "database": cfg.Target(), "status": st})
		}
		printStatus(out, where, st)
		return nil
	case "up":
		res, err := m.Up(ctx)
		printResults(out, req.JSON, where, "applied", res)
		return err
	case "down":
		var res []migrate.Result
		if req.To >= 0 {
			res, err = m.DownTo(ctx, req.To)
		} else {
			var r migrate.Result
			r, err = m.Down(ctx)
			if err == nil {
				res = []migrate.Result{r}
			}
		}
		if errors.Is(err, migrate.ErrNothingToUndo) {
			fmt.Fprintf(out, "%s: nothing to roll back (version 0)\n", where)
			return nil
		}
		printResults(out, req.JSON, where, "rolled back", res)
		return err
	}
	return cli.Usagef("unknown action %q (up, down, status, create)", req.Action)
}

// migrationsDir is the component's migrations folder, relative to the root.
func migrationsDir(c *graph.Component) (string, error) {
	rel := "migrations"
	if v, ok := c.Deploy.Settings[MigrationsSetting]; ok {
		s, isString := v.(string)
		if !isString || s == "" || path.IsAbs(s) || strings.HasPrefix(path.Clean(s), "..") {
			return "", cli.Exit(cli.ExitConfig, fmt.Errorf("component %s: deploy.settings.%s must be a folder inside the component, got %v", c.Name, MigrationsSetting, v))
		}
		rel = path.Clean(s)
	}
	return path.Join(c.Dir, rel), nil
}

// migrationsTable is the component's version table; "" means the default.
func migrationsTable(c *graph.Component) (string, error) {
	v, ok := c.Deploy.Settings[MigrationsTableSetting]
	if !ok {
		return "", nil
	}
	s, isString := v.(string)
	if !isString || !tableName.MatchString(s) {
		return "", cli.Exit(cli.ExitConfig, fmt.Errorf("component %s: deploy.settings.%s must be a table name (letters, digits, _), got %v", c.Name, MigrationsTableSetting, v))
	}
	return s, nil
}

var tableName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

func resolveEnv(d Deps, ws *workspace.Workspace, flag string) (string, error) {
	if flag == "" && d.Getenv != nil {
		flag = d.Getenv("ENV")
	}
	env, err := config.ResolveEnv(flag, ws.Settings.Environments)
	if err != nil {
		return "", cli.Exit(cli.ExitUsage, err)
	}
	return env, nil
}

// databaseConfig loads the environment's configuration and maps its
// shared.database section.
func databaseConfig(ctx context.Context, d Deps, ws *workspace.Workspace, env, component string) (db.Config, error) {
	var environ []string
	if d.Environ != nil {
		environ = d.Environ()
	}
	set, err := config.Load(config.Options{
		FS:           os.DirFS(ws.Path(ws.Settings.ConfigDir)),
		Dir:          ws.Settings.ConfigDir,
		Env:          env,
		Environments: ws.Settings.Environments,
		Environ:      environ,
		Sections:     components.Names(),
		Timeout:      10 * time.Second,
	})
	if err != nil {
		return db.Config{}, configExit(fmt.Errorf("load config %s: %w", env, err))
	}
	shared := components.DefaultShared()
	if _, err := set.Decode(ctx, components.SharedName, &shared); err != nil {
		return db.Config{}, configExit(fmt.Errorf("load config %s: %w", env, err))
	}
	cfg, err := dbconf.FromShared(component, shared, ws.Root)
	if err != nil {
		return db.Config{}, cli.Exit(cli.ExitConfig, err)
	}
	cfg.ConnectAttempts = 3
	return cfg, nil
}

func configExit(err error) error {
	switch {
	case errors.Is(err, config.ErrUnknownEnv):
		return cli.Exit(cli.ExitUsage, err)
	case config.IsFileError(err):
		return cli.Exit(cli.ExitConfig, err)
	}
	return cli.Exit(cli.ExitFailed, err)
}

func printStatus(w io.Writer, where string, st migrate.Status) {
	fmt.Fprintf(w, "%s\nversion %d of %d, %d pending\n\n", where, st.Current, st.Latest, st.Pending)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tFILE\tSTATE\tAPPLIED AT")
	for _, m := range st.Migrations {
		state, at := "pending", ""
		if m.Applied {
			state = "applied"
			if !m.AppliedAt.IsZero() {
				at = m.AppliedAt.UTC().Format(time.RFC3339)
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", m.Version, m.File, state, at)
	}
	_ = tw.Flush()
	if st.Current > st.Latest {
		fmt.Fprintf(w, "\nThe database is at version %d, newer than these files: a newer build migrated it.\n", st.Current)
	}
}

func printResults(w io.Writer, asJSON bool, where, verb string, res []migrate.Result) {
	if asJSON {
		_ = cli.WriteJSON(w, map[string]any{"database": where, verb: res})
		return
	}
	if len(res) == 0 {
		fmt.Fprintf(w, "%s: up to date\n", where)
		return
	}
	fmt.Fprintf(w, "%s:\n", where)
	for _, r := range res {
		fmt.Fprintf(w, "  %s %s (%s)\n", verb, r.File, r.Duration.Round(time.Millisecond))
	}
}

func relAll(ws *workspace.Workspace, files []string) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = strings.TrimPrefix(strings.TrimPrefix(f, ws.Root), string(os.PathSeparator))
	}
	return out
}
