// Package dbmigrate runs a component's migrations against a database: the
// work behind `mono db migrate`, which `mono dev` and `mono dags test` call
// too before they start programs on the local database. It reads the
// component's migrations folder and version table from the workspace
// (component.yaml deploy.settings), opens the database the caller's
// configuration describes, and runs up, down or status under the lock of
// libs/db/migrate (a PostgreSQL advisory lock, a file lock for SQLite).
package dbmigrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/workspace"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/migrate"
)

// ProtectedEnv is the environment where down needs Force.
const ProtectedEnv = "prod"

// Setting is the component.yaml key (deploy.settings) that declares a
// component's migrations folder, inside the component ("migrations").
const Setting = "migrations"

// TableSetting is the component.yaml key (deploy.settings) naming the
// table that records the component's applied versions, for a component
// whose tables share a database with another component's (default
// migrate.TableName). The component's own binary must use the same name.
const TableSetting = "migrations_table"

// ConnectAttempts is how often a run tries to reach the database when the
// configuration does not say (mono should fail fast, not wait like a service).
const ConnectAttempts = 3

// Has reports whether c declares migrations in its component.yaml.
func Has(c *graph.Component) bool {
	_, ok := c.Deploy.Settings[Setting]
	return ok
}

// Dir is c's migrations folder, relative to the root: deploy.settings.
// migrations, else "migrations", inside the component.
func Dir(c *graph.Component) (string, error) {
	rel := "migrations"
	if v, ok := c.Deploy.Settings[Setting]; ok {
		s, isString := v.(string)
		if !isString || s == "" || path.IsAbs(s) || strings.HasPrefix(path.Clean(s), "..") {
			return "", cli.Exit(cli.ExitConfig, fmt.Errorf("component %s: deploy.settings.%s must be a folder inside the component, got %v", c.Name, Setting, v))
		}
		rel = path.Clean(s)
	}
	return path.Join(c.Dir, rel), nil
}

// Set returns c's migration set as the files on disk hold it, with the
// version table its component.yaml names.
func Set(ws *workspace.Workspace, c *graph.Component) (migrate.Set, error) {
	dir, err := Dir(c)
	if err != nil {
		return migrate.Set{}, err
	}
	table, err := versionTable(c)
	if err != nil {
		return migrate.Set{}, err
	}
	abs := ws.Path(dir)
	if _, err := os.Stat(abs); err != nil {
		return migrate.Set{}, cli.Usagef("component %s has no migrations folder %s (create one with: mono db migrate create NAME -c %s)", c.Name, dir, c.Name)
	}
	return migrate.Set{Name: c.Name, FS: os.DirFS(abs), Table: table}, nil
}

// VersionTable is the table that records c's applied versions: its
// deploy.settings.migrations_table, else migrate.TableName.
func VersionTable(c *graph.Component) (string, error) {
	t, err := versionTable(c)
	if t == "" && err == nil {
		t = migrate.TableName
	}
	return t, err
}

// versionTable is c's version table; "" means the default.
func versionTable(c *graph.Component) (string, error) {
	v, ok := c.Deploy.Settings[TableSetting]
	if !ok {
		return "", nil
	}
	s, isString := v.(string)
	if !isString || !tableName.MatchString(s) {
		return "", cli.Exit(cli.ExitConfig, fmt.Errorf("component %s: deploy.settings.%s must be a table name (letters, digits, _), got %v", c.Name, TableSetting, v))
	}
	return s, nil
}

var tableName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// The actions of a run.
const (
	Up     = "up"
	Down   = "down"
	Status = "status"
)

// Request is one run of a set against one database.
type Request struct {
	// Action is Up, Down or Status.
	Action string
	// Env names the environment, for messages and the ProtectedEnv rule.
	Env string
	// Set is the component's migrations (see Set).
	Set migrate.Set
	// DB is the database (libs/db/dbconf maps it from shared.database).
	// A zero ConnectAttempts becomes ConnectAttempts.
	DB db.Config
	// Force allows Down in ProtectedEnv.
	Force bool
	// To is Down's target version: every migration above it is rolled
	// back; -1 rolls back one.
	To int64
	// JSON prints JSON for machines instead of text for people.
	JSON bool
	// Out receives the outcome; Log the warnings of the database and the
	// migrator (both required).
	Out, Log io.Writer
}

// Guard refuses a rollback in ProtectedEnv without force. Run checks it;
// a caller that loads the configuration first calls it before, so that
// the refusal needs no access to the environment.
func Guard(action, env, component string, force bool) error {
	if action == Down && env == ProtectedEnv && !force {
		return cli.Usagef("refusing to roll back %s in %s without --force (a rollback can drop data; take a snapshot first)", component, env)
	}
	return nil
}

// Run opens the database, runs the action and prints its outcome.
func Run(ctx context.Context, r Request) error {
	switch r.Action {
	case Up, Down, Status:
	default:
		return cli.Usagef("unknown action %q (up, down, status)", r.Action)
	}
	name := r.Set.Name
	if err := Guard(r.Action, r.Env, name, r.Force); err != nil {
		return err
	}
	if r.DB.ConnectAttempts == 0 {
		r.DB.ConnectAttempts = ConnectAttempts
	}
	log := slog.New(slog.NewTextHandler(r.Log, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// Status only reads. Opening a SQLite file creates it and its folder,
	// so a file that does not exist yet is read as the empty database it
	// would be: an in-memory one, where every migration is pending.
	open, missing := r.DB, r.Action == Status && missingSQLite(r.DB)
	if missing {
		open.Path = ":memory:"
	}
	conn, err := db.Open(ctx, open, db.WithLogger(log))
	if err != nil {
		return fmt.Errorf("open database of %s in %s: %w", name, r.Env, err)
	}
	defer conn.Close()
	m, err := migrate.New(conn, r.Set, migrate.Options{Logger: log})
	if err != nil {
		return err
	}
	where := fmt.Sprintf("%s in %s: %s", name, r.Env, r.DB.Target())
	out := r.Out

	switch r.Action {
	case Status:
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		if r.JSON {
			return cli.WriteJSON(out, map[string]any{"component": name, "env": r.Env, "database": r.DB.Target(), "exists": !missing, "status": st})
		}
		printStatus(out, where, st)
		if missing {
			fmt.Fprintf(out, "\nThe database file %s does not exist yet; mono db migrate up --env %s -c %s creates it.\n", r.DB.Path, r.Env, name)
		}
		return nil
	case Up:
		res, err := m.Up(ctx)
		printResults(out, r.JSON, where, "applied", res)
		return err
	}
	var res []migrate.Result
	if r.To >= 0 {
		res, err = m.DownTo(ctx, r.To)
	} else {
		var one migrate.Result
		one, err = m.Down(ctx)
		if err == nil {
			res = []migrate.Result{one}
		}
	}
	if errors.Is(err, migrate.ErrNothingToUndo) {
		fmt.Fprintf(out, "%s: nothing to roll back (version 0)\n", where)
		return nil
	}
	printResults(out, r.JSON, where, "rolled back", res)
	return err
}

// missingSQLite says whether cfg is a SQLite file that does not exist.
func missingSQLite(cfg db.Config) bool {
	if cfg.Driver != db.SQLite || cfg.Path == ":memory:" {
		return false
	}
	_, err := os.Stat(cfg.Path)
	return errors.Is(err, fs.ErrNotExist)
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
