package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/sethvargo/go-retry"
	"github.com/uptrace/bun"
	"modernc.org/sqlite"
)

// TxFunc is the body of a transaction. It may run more than once (see Tx),
// so it must not have effects outside the transaction it is given.
type TxFunc func(ctx context.Context, tx bun.Tx) error

// Tx runs fn in a transaction and commits when fn returns nil. A
// serialization failure (SQLSTATE 40001), deadlock (40P01) or busy SQLite
// database rolls the attempt back and runs fn again, with jittered backoff,
// up to Config.TxAttempts times. opts may be nil (read committed on
// PostgreSQL). Without a deadline on ctx each attempt gets QueryTimeout.
func (d *DB) Tx(ctx context.Context, opts *sql.TxOptions, fn TxFunc) error {
	b := retry.NewExponential(5 * time.Millisecond)
	b = retry.WithCappedDuration(500*time.Millisecond, b)
	b = retry.WithJitterPercent(50, b)
	b = retry.WithMaxRetries(uint64(d.cfg.TxAttempts-1), b)
	attempt := 0
	var last error
	err := retry.Do(ctx, b, func(ctx context.Context) error {
		attempt++
		actx, cancel := d.withTimeout(ctx)
		defer cancel()
		err := d.bun.RunInTx(actx, opts, func(ctx context.Context, tx bun.Tx) error { return fn(ctx, tx) })
		if err != nil && Retryable(err) {
			last = err
			d.log.Debug("transaction conflict, retrying", "attempt", attempt, "err", err)
			return retry.RetryableError(err)
		}
		return err
	})
	if err != nil && last != nil && Retryable(err) {
		return fmt.Errorf("transaction on %s gave up after %d attempts: %w", d.cfg.Name, attempt, err)
	}
	return err
}

// Retryable reports whether err is a transient conflict that running the
// transaction again can resolve: serialization failure, deadlock, or a
// busy/locked SQLite database.
func Retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED and their extended codes
			return true
		}
	}
	return false
}

// IsNotFound reports whether err means a query found no row.
func IsNotFound(err error) bool { return isNoRows(err) }

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
