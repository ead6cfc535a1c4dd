// Package dbcmd implements `mono db migrate up|down|status|create`: the
// versioned SQL migrations a component owns (<component>/migrations/
// {postgres,sqlite}/, see docs/db.md), run against the database the
// environment's configuration names; and `mono db roles`, each program's
// PostgreSQL roles (build/internal/dbroles).
package dbcmd

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/dbmigrate"
	"github.com/acme/platform/build/internal/workspace"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbconf"
	"github.com/acme/platform/libs/db/migrate"
)

// NewCommand returns `mono db` with its subcommands.
func NewCommand(d cli.Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Database tasks: migrations, roles",
	}
	cmd.AddCommand(migrateCommand(d), rolesCommand(d))
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

func migrateCommand(d cli.Deps) *cobra.Command {
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
	down.Flags().BoolVar(&req.Force, "force", false, "allow rolling back in "+dbmigrate.ProtectedEnv)
	status := sub("status", "Show which migrations are applied", cobra.NoArgs)
	create := sub("create NAME", "Write the next migration file for each dialect", cobra.ExactArgs(1))
	cmd.AddCommand(up, down, status, create)
	return cmd
}

// Run performs one migrate request and prints its outcome: create writes
// files; up, down and status resolve the component's migrations and the
// environment's database and hand over to dbmigrate.
func Run(ctx context.Context, d cli.Deps, req Request) error {
	ws, g, err := d.Graph()
	if err != nil {
		return err
	}
	comp, err := g.Lookup(req.Component)
	if err != nil {
		return err
	}
	out := d.IO.Out

	if req.Action == "create" {
		dir, err := dbmigrate.Dir(comp)
		if err != nil {
			return err
		}
		files, err := migrate.Create(ws.Path(dir), req.Name)
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

	set, err := dbmigrate.Set(ws, comp)
	if err != nil {
		return err
	}
	env, err := d.Env(ws, req.Env)
	if err != nil {
		return err
	}
	if err := dbmigrate.Guard(req.Action, env, comp.Name, req.Force); err != nil {
		return err
	}
	cfg, err := databaseConfig(ctx, d, ws, env, comp.Name)
	if err != nil {
		return err
	}
	return dbmigrate.Run(ctx, dbmigrate.Request{
		Action: req.Action, Env: env, Set: set, DB: cfg,
		Force: req.Force, To: req.To, JSON: req.JSON, Out: out, Log: d.IO.ErrOut,
	})
}

// databaseConfig loads the environment's configuration with mono's one
// loader and maps its shared.database section.
func databaseConfig(ctx context.Context, d cli.Deps, ws *workspace.Workspace, env, component string) (db.Config, error) {
	shared, err := d.Shared(ctx, ws, env)
	if err != nil {
		return db.Config{}, err
	}
	return dbconf.FromShared(component, shared, ws.Root)
}

func relAll(ws *workspace.Workspace, files []string) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = strings.TrimPrefix(strings.TrimPrefix(f, ws.Root), string(os.PathSeparator))
	}
	return out
}
