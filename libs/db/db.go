// Package db opens the one connection pool per database that a process
// uses: PostgreSQL through pgx in the cloud environments, pure-Go SQLite in
// local. A DB gives an ORM-style query builder (bun) with raw SQL always at
// hand (Bun().NewRaw, SQL(), and Pgx() on PostgreSQL), transactions that are
// retried on serialization failures and deadlocks, a health check,
// Prometheus metrics and a slow-query log with literals redacted.
//
// Every statement runs under a deadline: the caller's, or Config.QueryTimeout
// when the context carries none.
//
// Migrations live in the subpackage migrate, the test harness (a real
// PostgreSQL, one template database per migration set, a fresh clone per
// test) in dbtest.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sethvargo/go-retry"
	"github.com/uptrace/bun"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrInvalidConfig means the Config cannot be used as given.
	ErrInvalidConfig = errors.New("invalid database config")
	// ErrUnreachable means the database did not answer within the connect attempts.
	ErrUnreachable = errors.New("database unreachable")
	// ErrClosed is returned by calls on a closed DB.
	ErrClosed = errors.New("database closed")
)

// Option adjusts Open.
type Option func(*options)

type options struct {
	logger     *slog.Logger
	registerer prometheus.Registerer
}

// WithLogger sets the logger for slow queries, retries and connection
// trouble. Without it nothing is logged.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithRegisterer registers the pool and query metrics with r. Without it the
// metrics are kept but not exported; Collectors returns them.
func WithRegisterer(r prometheus.Registerer) Option {
	return func(o *options) { o.registerer = r }
}

// DB is one pool to one database. It is safe for concurrent use; open it
// once per process and pass it down.
type DB struct {
	cfg     Config
	log     *slog.Logger
	bun     *bun.DB
	sql     *sql.DB
	pool    *pgxpool.Pool // PostgreSQL only
	obs     *observer
	unreg   func()
	closers []func()
}

// Open connects to the database cfg describes. It tries cfg.ConnectAttempts
// times with exponential backoff before it fails with ErrUnreachable; no
// error it returns contains the password.
func Open(ctx context.Context, cfg Config, opts ...Option) (*DB, error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg = cfg.withTuning()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &DB{cfg: cfg, log: o.logger.With("db", cfg.Name)}
	d.obs = newObserver(cfg, d.log)

	var err error
	switch cfg.Driver {
	case Postgres:
		err = d.openPostgres(ctx)
	case SQLite:
		err = d.openSQLite()
	default:
		err = fmt.Errorf("%w: unknown driver %q", ErrInvalidConfig, cfg.Driver)
	}
	if err != nil {
		d.close()
		return nil, redactErr(err, cfg)
	}
	if err := d.waitReachable(ctx); err != nil {
		d.close()
		return nil, err
	}
	if o.registerer != nil {
		cs := d.Collectors()
		for i, c := range cs {
			if err := o.registerer.Register(c); err != nil {
				for _, done := range cs[:i] {
					o.registerer.Unregister(done)
				}
				d.close()
				return nil, fmt.Errorf("register metrics of database %q (open each database once per process): %w", cfg.Name, err)
			}
		}
		d.unreg = func() {
			for _, c := range cs {
				o.registerer.Unregister(c)
			}
		}
	}
	return d, nil
}

// waitReachable pings until the database answers or the attempts run out.
func (d *DB) waitReachable(ctx context.Context) error {
	b := retry.NewExponential(200 * time.Millisecond)
	b = retry.WithCappedDuration(5*time.Second, b)
	b = retry.WithJitterPercent(20, b)
	b = retry.WithMaxRetries(uint64(d.cfg.ConnectAttempts-1), b)
	attempt := 0
	var last error
	err := retry.Do(ctx, b, func(ctx context.Context) error {
		attempt++
		pctx, cancel := context.WithTimeout(ctx, d.cfg.ConnectTimeout)
		defer cancel()
		if err := d.sql.PingContext(pctx); err != nil {
			last = redactErr(err, d.cfg)
			d.log.Warn("database not reachable yet", "attempt", attempt, "of", d.cfg.ConnectAttempts, "err", last)
			return retry.RetryableError(last)
		}
		return nil
	})
	if err == nil {
		return nil
	}
	if last == nil {
		last = err
	}
	return fmt.Errorf("%w: %s after %d attempts: %w", ErrUnreachable, d.cfg, attempt, redactErr(last, d.cfg))
}

// Config returns the configuration the DB was opened with, tuning defaults applied.
func (d *DB) Config() Config { return d.cfg }

// Driver tells which engine the DB talks to.
func (d *DB) Driver() Driver { return d.cfg.Driver }

// Bun returns the query builder. Raw SQL with bun's ? placeholders goes
// through Bun().NewRaw(query, args...).Scan(ctx, &dst) or Bun().ExecContext.
func (d *DB) Bun() *bun.DB { return d.bun }

// SQL returns the database/sql handle over the same pool, for raw SQL with
// the driver's own placeholders ($1 on PostgreSQL) and for tools such as
// the migrator.
func (d *DB) SQL() *sql.DB { return d.sql }

// Pgx returns the native pgx pool on PostgreSQL (nil on SQLite), for the
// few paths that need COPY, batches or pgx types.
func (d *DB) Pgx() *pgxpool.Pool { return d.pool }

// Ping checks that the database answers a trivial query; it is the health
// check behind /readyz.
func (d *DB) Ping(ctx context.Context) error {
	ctx, cancel := d.withTimeout(ctx)
	defer cancel()
	var one int
	if err := d.sql.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping database %s: %w", d.cfg.Name, redactErr(err, d.cfg))
	}
	return nil
}

// Close closes the pool; statements still running are waited for.
func (d *DB) Close() error {
	if d.unreg != nil {
		d.unreg()
		d.unreg = nil
	}
	d.close()
	return nil
}

func (d *DB) close() {
	if d.bun != nil {
		_ = d.bun.Close()
	} else if d.sql != nil {
		_ = d.sql.Close()
	}
	if d.pool != nil {
		d.pool.Close()
	}
	for _, c := range d.closers {
		c()
	}
	d.closers = nil
}

// withTimeout gives ctx the default query deadline when it has none.
func (d *DB) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d.cfg.QueryTimeout)
}

// redactErr replaces every occurrence of the password (and of the DSN, which
// may hold it) in err's text. The result still unwraps to err.
func redactErr(err error, cfg Config) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := msg
	for _, s := range []string{cfg.DSN, cfg.Password} {
		if len(s) >= 3 {
			clean = strings.ReplaceAll(clean, s, "[redacted]")
		}
	}
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

// redactedError prints a cleaned message but keeps the chain for errors.Is.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
