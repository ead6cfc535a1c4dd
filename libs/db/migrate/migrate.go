// Package migrate applies the versioned SQL migrations a component owns.
//
// A component keeps one folder of goose SQL files per dialect,
// migrations/postgres/ and migrations/sqlite/, embeds it with embed.FS and
// hands it over as a Set: its binary can migrate on start or as a
// Kubernetes Job, and `mono db migrate` reads the same files from disk.
//
// Runs hold a lock for their whole duration (a PostgreSQL session advisory
// lock; a file lock beside a SQLite file), so concurrent runs wait for each
// other. Each migration runs in its own transaction unless the file says
// "-- +goose NO TRANSACTION": on PostgreSQL, where DDL is transactional, a
// failing migration leaves nothing behind.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/acme/platform/libs/db"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrFailed means a migration failed; the error says what state the database was left in.
	ErrFailed = errors.New("migration failed")
	// ErrConflict means the files and the database disagree: a duplicate
	// version, or a migration older than the database version that was never applied.
	ErrConflict = errors.New("conflicting migrations")
	// ErrNoMigrations means the set has no migrations for the dialect.
	ErrNoMigrations = errors.New("no migrations")
	// ErrNothingToUndo is returned by Down on a database at version 0.
	ErrNothingToUndo = errors.New("no migration to roll back")
)

// Set is the migrations of one component. FS holds a folder per dialect
// (postgres/, sqlite/) of files named <version>_<name>.sql.
type Set struct {
	// Name is the owning component ("orders-api").
	Name string
	// FS is the component's embedded (or on-disk) migrations folder.
	FS fs.FS
	// Table records the set's applied versions; empty means TableName. A
	// component whose tables live in a database another component also
	// migrates sets its own, so that the two version sequences never mix
	// (scripts/sales-rollup beside services/orders-api).
	Table string
}

// Dialect returns the folder of the set for driver d.
func (s Set) Dialect(d db.Driver) (fs.FS, error) {
	sub, err := fs.Sub(s.FS, string(d))
	if err != nil {
		return nil, fmt.Errorf("migration set %s: %w", s.Name, err)
	}
	return sub, nil
}

// TableName is the table that records the applied versions.
const TableName = "goose_db_version"

// Options tune a Migrator.
type Options struct {
	// Logger receives a line per applied migration; nil discards.
	Logger *slog.Logger
	// Timeout bounds a whole run when the context has no deadline (default 15m).
	Timeout time.Duration
	// LockWait bounds waiting for another run's lock (default 10m).
	LockWait time.Duration
}

// Migrator runs one set against one database.
type Migrator struct {
	db       *db.DB
	set      Set
	fsys     fs.FS
	opts     Options
	provider *goose.Provider
	lockPath string // SQLite: the file lock beside the database
}

// New prepares a Migrator. It fails with ErrConflict on duplicate versions
// and ErrNoMigrations when the set has no file for the database's dialect.
func New(d *db.DB, set Set, opts Options) (*Migrator, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Timeout == 0 {
		opts.Timeout = 15 * time.Minute
	}
	if opts.LockWait == 0 {
		opts.LockWait = 10 * time.Minute
	}
	fsys, err := set.Dialect(d.Driver())
	if err != nil {
		return nil, err
	}
	m := &Migrator{db: d, set: set, fsys: fsys, opts: opts}
	popts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if set.Table != "" {
		popts = append(popts, goose.WithTableName(set.Table))
	}
	var dialect goose.Dialect
	switch d.Driver() {
	case db.Postgres:
		dialect = goose.DialectPostgres
		secs := uint64(opts.LockWait / time.Second)
		if secs < 1 {
			secs = 1
		}
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, secs))
		if err != nil {
			return nil, err
		}
		popts = append(popts, goose.WithSessionLocker(locker))
	case db.SQLite:
		dialect = goose.DialectSQLite3
		if p := d.Config().Path; p != ":memory:" {
			m.lockPath = p + ".migrate.lock"
		}
	default:
		return nil, fmt.Errorf("migrate: unsupported driver %q", d.Driver())
	}
	p, err := goose.NewProvider(dialect, d.SQL(), fsys, popts...)
	switch {
	case errors.Is(err, goose.ErrNoMigrations):
		return nil, fmt.Errorf("%w: set %s has no %s migrations", ErrNoMigrations, set.Name, d.Driver())
	case err != nil && strings.Contains(err.Error(), "duplicate"):
		return nil, fmt.Errorf("%w: set %s (%s): %v", ErrConflict, set.Name, d.Driver(), oneLine(err))
	case err != nil:
		return nil, fmt.Errorf("migration set %s (%s): %w", set.Name, d.Driver(), err)
	}
	m.provider = p
	return m, nil
}

// Result is one applied or rolled-back migration.
type Result struct {
	Version   int64
	File      string
	Direction string
	Duration  time.Duration
}

// Up applies every pending migration in order.
func (m *Migrator) Up(ctx context.Context) ([]Result, error) {
	var res []*goose.MigrationResult
	err := m.run(ctx, func(ctx context.Context) (err error) {
		res, err = m.provider.Up(ctx)
		return err
	})
	return m.results(res), m.explain(ctx, "up", res, err)
}

// Down rolls back the latest applied migration.
func (m *Migrator) Down(ctx context.Context) (Result, error) {
	var res *goose.MigrationResult
	err := m.run(ctx, func(ctx context.Context) (err error) {
		res, err = m.provider.Down(ctx)
		return err
	})
	if errors.Is(err, goose.ErrNoNextVersion) {
		return Result{}, fmt.Errorf("%w: set %s is at version 0", ErrNothingToUndo, m.set.Name)
	}
	var list []*goose.MigrationResult
	if res != nil {
		list = append(list, res)
	}
	out := m.results(list)
	if err != nil {
		return Result{}, m.explain(ctx, "down", list, err)
	}
	if len(out) == 0 {
		return Result{}, nil
	}
	return out[0], nil
}

// DownTo rolls back every migration above version (0 undoes them all).
func (m *Migrator) DownTo(ctx context.Context, version int64) ([]Result, error) {
	var res []*goose.MigrationResult
	err := m.run(ctx, func(ctx context.Context) (err error) {
		res, err = m.provider.DownTo(ctx, version)
		return err
	})
	return m.results(res), m.explain(ctx, "down", res, err)
}

// Migration is one file of the set and whether it is applied.
type Migration struct {
	Version   int64     `json:"version"`
	File      string    `json:"file"`
	Applied   bool      `json:"applied"`
	AppliedAt time.Time `json:"appliedAt,omitzero"`
}

// Status is where the database stands against the set.
type Status struct {
	Set        string      `json:"set"`
	Driver     db.Driver   `json:"driver"`
	Current    int64       `json:"current"` // highest applied version
	Latest     int64       `json:"latest"`  // highest version in the files
	Pending    int         `json:"pending"`
	Migrations []Migration `json:"migrations"`
}

// Status reports every migration of the set and whether it is applied.
func (m *Migrator) Status(ctx context.Context) (Status, error) {
	ctx, cancel := m.withTimeout(ctx)
	defer cancel()
	st := Status{Set: m.set.Name, Driver: m.db.Driver()}
	// goose creates the version table before it reads it; status only
	// reads, so a database without the table has every migration pending.
	exists, err := m.versionTableExists(ctx)
	if err != nil {
		return st, fmt.Errorf("status of %s: %w", m.set.Name, err)
	}
	if !exists {
		for _, src := range m.provider.ListSources() {
			st.Migrations = append(st.Migrations, Migration{Version: src.Version, File: path.Base(src.Path)})
			st.Pending++
			st.Latest = max(st.Latest, src.Version)
		}
		return st, nil
	}
	list, err := m.provider.Status(ctx)
	if err != nil {
		return st, fmt.Errorf("status of %s: %w", m.set.Name, err)
	}
	for _, s := range list {
		mg := Migration{Version: s.Source.Version, File: path.Base(s.Source.Path), Applied: s.State == goose.StateApplied, AppliedAt: s.AppliedAt}
		if mg.Applied {
			st.Current = max(st.Current, mg.Version)
		} else {
			st.Pending++
		}
		st.Latest = max(st.Latest, mg.Version)
		st.Migrations = append(st.Migrations, mg)
	}
	if v, err := m.provider.GetDBVersion(ctx); err == nil {
		st.Current = v
	}
	return st, nil
}

// versionTableExists says whether the set's version table is in the
// database (for PostgreSQL: in the search path's first schema, or the
// schema the table name gives).
func (m *Migrator) versionTableExists(ctx context.Context) (bool, error) {
	table := m.set.Table
	if table == "" {
		table = TableName
	}
	var q string
	var args []any
	switch m.db.Driver() {
	case db.SQLite:
		q, args = `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)`, []any{table}
	default:
		schema, name, ok := strings.Cut(table, ".")
		if !ok {
			q, args = `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1)`, []any{table}
		} else {
			q, args = `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2)`, []any{schema, name}
		}
	}
	var exists bool
	if err := m.db.SQL().QueryRowContext(ctx, q, args...).Scan(&exists); err != nil {
		return false, fmt.Errorf("look for version table %s: %w", table, err)
	}
	return exists, nil
}

func (m *Migrator) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, m.opts.Timeout)
}

// run applies the timeout and, on SQLite, the file lock around fn.
func (m *Migrator) run(ctx context.Context, fn func(context.Context) error) error {
	ctx, cancel := m.withTimeout(ctx)
	defer cancel()
	if m.lockPath != "" {
		unlock, err := fileLock(ctx, m.lockPath, m.opts.LockWait)
		if err != nil {
			return err
		}
		defer unlock()
	}
	return fn(ctx)
}

func (m *Migrator) results(in []*goose.MigrationResult) []Result {
	out := make([]Result, 0, len(in))
	for _, r := range in {
		if r == nil || r.Source == nil || r.Error != nil {
			continue
		}
		out = append(out, Result{Version: r.Source.Version, File: path.Base(r.Source.Path), Direction: r.Direction, Duration: r.Duration})
		m.opts.Logger.Info("migrated", "set", m.set.Name, "direction", r.Direction, "file", path.Base(r.Source.Path), "duration", r.Duration)
	}
	return out
}

// explain turns goose's errors into ones that say what state the database
// is in and what to do.
func (m *Migrator) explain(ctx context.Context, dir string, _ []*goose.MigrationResult, err error) error {
	if err == nil {
		return nil
	}
	var pe *goose.PartialError
	if errors.As(err, &pe) && pe.Failed != nil && pe.Failed.Source != nil {
		file := path.Base(pe.Failed.Source.Path)
		state := "the database is left at version " + m.versionText(ctx)
		if m.noTransaction(pe.Failed.Source.Path) {
			state += "; the file runs outside a transaction (+goose NO TRANSACTION), so part of it may have been applied: check by hand before running again"
		} else {
			state += "; the failed migration was rolled back as a whole"
		}
		return fmt.Errorf("%w: %s %s of set %s (%s): %v; %d applied before it; %s",
			ErrFailed, dir, file, m.set.Name, m.db.Driver(), oneLine(pe.Err), len(pe.Applied), state)
	}
	msg := err.Error()
	if strings.Contains(msg, "missing") {
		return fmt.Errorf("%w: set %s (%s): %v; a migration older than the database version %s was never applied: renumber it after the latest version (or roll back first)",
			ErrConflict, m.set.Name, m.db.Driver(), oneLine(err), m.versionText(ctx))
	}
	return fmt.Errorf("migrate %s set %s (%s): %w", dir, m.set.Name, m.db.Driver(), err)
}

func (m *Migrator) versionText(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	v, err := m.provider.GetDBVersion(ctx)
	if err != nil {
		return "(unknown: " + oneLine(err) + ")"
	}
	return fmt.Sprint(v)
}

func (m *Migrator) noTransaction(file string) bool {
	b, err := fs.ReadFile(m.fsys, file)
	if err != nil {
		return false
	}
	return strings.Contains(string(b), "+goose NO TRANSACTION")
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// fileLock takes an exclusive lock on path, polling until wait runs out.
func fileLock(ctx context.Context, path string, wait time.Duration) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open migration lock %s: %w", path, err)
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s (another migration run holds it): %w", path, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
