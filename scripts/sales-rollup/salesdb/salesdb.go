// Package salesdb is the SQL of scripts/sales-rollup, on PostgreSQL and
// SQLite alike: it replaces days of the daily_sales table (this job's own
// migrations) and reads orders through services/orders-api/ordersdb, the
// package that owns the orders table, so that a change to that table
// changes (and breaks the build of) one place.
package salesdb

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/acme/platform/libs/business/orders"
	"github.com/acme/platform/libs/business/reporting"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/services/orders-api/ordersdb"
)

// Store reads orders and writes daily sales.
type Store struct {
	db     *db.DB
	pg     bool
	orders *ordersdb.Store
}

// New returns a store over d, whose schema is migrated (orders-api's and
// this job's sets).
func New(d *db.DB) *Store {
	return &Store{db: d, pg: d.Driver() == db.Postgres, orders: ordersdb.New(d)}
}

// Orders returns the orders created in [from, to), without their items,
// through the store of orders-api, which owns the orders table.
func (s *Store) Orders(ctx context.Context, from, to time.Time) ([]orders.Order, error) {
	return s.orders.CreatedIn(ctx, from, to)
}

// ReplaceDays deletes the daily_sales rows of days and inserts rows, in one
// transaction. beforeCommit (may be nil) runs inside it after the writes;
// its error rolls the transaction back. Like every function given to
// db.Tx, it may run more than once, so it must be idempotent.
func (s *Store) ReplaceDays(ctx context.Context, days []string, rows []reporting.DailySales, at time.Time, beforeCommit func(context.Context) error) error {
	del := s.db.Rebind("DELETE FROM daily_sales WHERE day = ?")
	ins := s.db.Rebind("INSERT INTO daily_sales (day, region, orders, revenue_cents, computed_at) VALUES (?, ?, ?, ?, ?)")
	at = at.UTC().Truncate(time.Microsecond)
	return s.db.Tx(ctx, nil, func(ctx context.Context, btx bun.Tx) error {
		for _, d := range days {
			if _, err := btx.Tx.ExecContext(ctx, del, d); err != nil {
				return fmt.Errorf("delete daily sales of %s: %w", d, err)
			}
		}
		for _, r := range rows {
			if _, err := btx.Tx.ExecContext(ctx, ins, r.Day, r.Region, r.Orders, r.RevenueCents, at); err != nil {
				return fmt.Errorf("insert daily sales %s %s: %w", r.Day, r.Region, err)
			}
		}
		if beforeCommit != nil {
			return beforeCommit(ctx)
		}
		return nil
	})
}

// DailySales returns the stored rows of the days from..to (2006-01-02,
// both included), by day then region.
func (s *Store) DailySales(ctx context.Context, from, to string) ([]reporting.DailySales, error) {
	q := s.db.Rebind("SELECT CAST(day AS TEXT), region, orders, revenue_cents FROM daily_sales WHERE day >= ? AND day <= ? ORDER BY day, region")
	if s.pg {
		q = "SELECT to_char(day, 'YYYY-MM-DD'), region, orders, revenue_cents FROM daily_sales WHERE day >= $1::date AND day <= $2::date ORDER BY day, region"
	}
	rows, err := s.db.SQL().QueryContext(ctx, q, from, to)
	if err != nil {
		return nil, fmt.Errorf("read daily sales: %w", err)
	}
	defer rows.Close()
	out := []reporting.DailySales{}
	for rows.Next() {
		var d reporting.DailySales
		if err := rows.Scan(&d.Day, &d.Region, &d.Orders, &d.RevenueCents); err != nil {
			return nil, fmt.Errorf("read daily sales: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
