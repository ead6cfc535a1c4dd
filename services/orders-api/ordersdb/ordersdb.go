// Package ordersdb stores orders in SQL through libs/db, on PostgreSQL and
// SQLite alike: Store implements orders.Store and reporting.Store over the
// tables of services/orders-api/migrations. Queries are raw SQL written once
// with ? placeholders and rebound to $n for PostgreSQL (db.Rebind), so the hot paths go
// through prepared statements with no query builder in between.
package ordersdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/acme/platform/libs/business/orders"
	"github.com/acme/platform/libs/business/reporting"
	"github.com/acme/platform/libs/db"
)

// Store is the SQL order store.
type Store struct {
	db *db.DB
	pg bool
	q  queries
}

var (
	_ orders.Store    = (*Store)(nil)
	_ reporting.Store = (*Store)(nil)
)

const orderCols = "o.id, o.customer_id, o.region, o.status, o.subtotal_cents, o.discount_cents, o.tax_cents, o.total_cents, o.created_at, o.updated_at"

// queries are the statements, in the dialect of the database.
type queries struct {
	byKey, insertOrder, insertItem, get, status, created string
}

// New returns a store over d, whose schema is migrated.
func New(d *db.DB) *Store {
	s := &Store{db: d, pg: d.Driver() == db.Postgres}
	s.q = queries{
		byKey: s.db.Rebind("SELECT id, fingerprint FROM orders WHERE idempotency_key = ?"),
		insertOrder: s.db.Rebind(`INSERT INTO orders (id, customer_id, region, status, subtotal_cents, discount_cents, tax_cents, total_cents, idempotency_key, fingerprint, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		insertItem: s.db.Rebind("INSERT INTO order_items (order_id, line, sku, quantity, unit_price_cents) VALUES (?, ?, ?, ?, ?)"),
		get: s.db.Rebind("SELECT " + orderCols + `, i.sku, i.quantity, i.unit_price_cents
FROM orders o LEFT JOIN order_items i ON i.order_id = o.id WHERE o.id = ? ORDER BY i.line`),
		status:  s.db.Rebind("SELECT status FROM orders WHERE id = ?"),
		created: s.db.Rebind("SELECT id, region, status, total_cents, created_at FROM orders WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id"),
	}
	return s
}

// ts is how a time is stored: UTC, to the microsecond (what PostgreSQL
// keeps), so that what Create returns is what Get reads back.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Ping checks the database; it is the readiness check.
func (s *Store) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// Create implements orders.Store.
func (s *Store) Create(ctx context.Context, o orders.Order, key, fingerprint string) (orders.Order, error) {
	o.CreatedAt, o.UpdatedAt = ts(o.CreatedAt), ts(o.UpdatedAt)
	var existing string
	err := s.db.Tx(ctx, nil, func(ctx context.Context, btx bun.Tx) error {
		tx := btx.Tx
		existing = ""
		if key != "" {
			var id, fp string
			err := tx.QueryRowContext(ctx, s.q.byKey, key).Scan(&id, &fp)
			switch {
			case err == nil && fp != fingerprint:
				return orders.ErrIdempotencyConflict
			case err == nil:
				existing = id
				return nil
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("look up idempotency key: %w", err)
			}
		}
		var k any
		if key != "" {
			k = key
		}
		if _, err := tx.ExecContext(ctx, s.q.insertOrder, o.ID, o.CustomerID, o.Region, string(o.Status),
			o.SubtotalCents, o.DiscountCents, o.TaxCents, o.TotalCents, k, fingerprint, o.CreatedAt, o.UpdatedAt); err != nil {
			return fmt.Errorf("insert order: %w", err)
		}
		for i, it := range o.Items {
			if _, err := tx.ExecContext(ctx, s.q.insertItem, o.ID, i, it.SKU, it.Quantity, it.UnitPriceCents); err != nil {
				return fmt.Errorf("insert order item: %w", err)
			}
		}
		return nil
	})
	if err != nil && key != "" && uniqueViolation(err) {
		// A concurrent create with the same key won: answer as a retry would.
		return s.replay(ctx, key, fingerprint)
	}
	if err != nil {
		return orders.Order{}, err
	}
	if existing != "" {
		return s.Get(ctx, existing)
	}
	o.Items = append([]orders.Item(nil), o.Items...)
	return o, nil
}

func (s *Store) replay(ctx context.Context, key, fingerprint string) (orders.Order, error) {
	var id, fp string
	if err := s.db.SQL().QueryRowContext(ctx, s.q.byKey, key).Scan(&id, &fp); err != nil {
		return orders.Order{}, fmt.Errorf("look up idempotency key: %w", err)
	}
	if fp != fingerprint {
		return orders.Order{}, orders.ErrIdempotencyConflict
	}
	return s.Get(ctx, id)
}

// uniqueViolation reports a unique constraint failure on either engine.
func uniqueViolation(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLSTATE 23505") || strings.Contains(msg, "UNIQUE constraint failed")
}

// Get implements orders.Store.
func (s *Store) Get(ctx context.Context, id string) (orders.Order, error) {
	got, err := s.queryOrders(ctx, s.q.get, id)
	if err != nil {
		return orders.Order{}, fmt.Errorf("get order: %w", err)
	}
	if len(got) == 0 {
		return orders.Order{}, orders.ErrNotFound
	}
	return got[0], nil
}

// queryOrders runs a query returning orderCols + item columns. On
// PostgreSQL it goes straight to the pgx pool (the read hot path: no
// database/sql layer in between); on SQLite through database/sql.
func (s *Store) queryOrders(ctx context.Context, q string, args ...any) ([]orders.Order, error) {
	if pool := s.db.Pgx(); pool != nil {
		rows, err := pool.Query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		return scanOrders(rows)
	}
	rows, err := s.db.SQL().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanOrders(rows)
}

// rowScanner is what pgx.Rows and *sql.Rows have in common.
type rowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanOrders reads rows of orderCols + item columns (nullable: LEFT JOIN),
// grouping consecutive rows of one order.
func scanOrders(rows rowScanner) ([]orders.Order, error) {
	var out []orders.Order
	for rows.Next() {
		var o orders.Order
		var status string
		var sku sql.NullString
		var qty, price sql.NullInt64
		if err := rows.Scan(&o.ID, &o.CustomerID, &o.Region, &status, &o.SubtotalCents, &o.DiscountCents, &o.TaxCents, &o.TotalCents,
			&o.CreatedAt, &o.UpdatedAt, &sku, &qty, &price); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].ID != o.ID {
			o.Status = orders.Status(status)
			o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
			out = append(out, o)
		}
		if sku.Valid {
			last := &out[len(out)-1]
			last.Items = append(last.Items, orders.Item{SKU: sku.String, Quantity: qty.Int64, UnitPriceCents: price.Int64})
		}
	}
	return out, rows.Err()
}

// CreatedIn returns the orders created in [from, to), oldest first,
// without their items: what scripts/sales-rollup aggregates (region,
// status, total and time). It is here because this package owns the
// orders table.
func (s *Store) CreatedIn(ctx context.Context, from, to time.Time) ([]orders.Order, error) {
	rows, err := s.db.SQL().QueryContext(ctx, s.q.created, ts(from), ts(to))
	if err != nil {
		return nil, fmt.Errorf("read orders: %w", err)
	}
	defer rows.Close()
	var out []orders.Order
	for rows.Next() {
		var o orders.Order
		var status string
		if err := rows.Scan(&o.ID, &o.Region, &status, &o.TotalCents, &o.CreatedAt); err != nil {
			return nil, fmt.Errorf("read orders: %w", err)
		}
		o.Status = orders.Status(status)
		o.CreatedAt = o.CreatedAt.UTC()
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read orders: %w", err)
	}
	return out, nil
}

// List implements orders.Store.
func (s *Store) List(ctx context.Context, f orders.Filter) ([]orders.Order, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.CustomerID != "" {
		where, args = append(where, "customer_id = ?"), append(args, f.CustomerID)
	}
	if f.Region != "" {
		where, args = append(where, "region = ?"), append(args, f.Region)
	}
	if f.After != nil {
		at := ts(f.After.CreatedAt)
		where = append(where, "(created_at < ? OR (created_at = ? AND id < ?))")
		args = append(args, at, at, f.After.ID)
	}
	page := "SELECT id, created_at FROM orders"
	if len(where) > 0 {
		page += " WHERE " + strings.Join(where, " AND ")
	}
	page += " ORDER BY created_at DESC, id DESC"
	if f.Limit > 0 {
		page += " LIMIT " + strconv.Itoa(f.Limit)
	}
	q := "SELECT " + orderCols + ", i.sku, i.quantity, i.unit_price_cents FROM (" + page + `) p
JOIN orders o ON o.id = p.id LEFT JOIN order_items i ON i.order_id = o.id
ORDER BY o.created_at DESC, o.id DESC, i.line`
	out, err := s.queryOrders(ctx, s.db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	return out, nil
}

// Transition implements orders.Store: a compare-and-set on the status.
func (s *Store) Transition(ctx context.Context, id string, from []orders.Status, to orders.Status, at time.Time) (orders.Order, error) {
	if len(from) == 0 {
		return orders.Order{}, orders.ErrConflict
	}
	args := []any{string(to), ts(at), id}
	marks := make([]string, len(from))
	for i, f := range from {
		marks[i] = "?"
		args = append(args, string(f))
	}
	q := s.db.Rebind("UPDATE orders SET status = ?, updated_at = ? WHERE id = ? AND status IN (" + strings.Join(marks, ", ") + ")")
	res, err := s.db.SQL().ExecContext(ctx, q, args...)
	if err != nil {
		return orders.Order{}, fmt.Errorf("transition order: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return orders.Order{}, fmt.Errorf("transition order: %w", err)
	}
	if n == 0 {
		var status string
		err := s.db.SQL().QueryRowContext(ctx, s.q.status, id).Scan(&status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return orders.Order{}, orders.ErrNotFound
		case err != nil:
			return orders.Order{}, fmt.Errorf("transition order: %w", err)
		}
		return orders.Order{}, orders.ErrConflict
	}
	return s.Get(ctx, id)
}

// dayExpr is the UTC day of created_at as 2006-01-02.
func (s *Store) dayExpr() string {
	if s.pg {
		return "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "substr(created_at, 1, 10)"
}

// span is the range as a half-open interval of instants.
func span(r reporting.Range) (time.Time, time.Time) {
	from := time.Date(r.From.Year(), r.From.Month(), r.From.Day(), 0, 0, 0, 0, time.UTC)
	to := time.Date(r.To.Year(), r.To.Month(), r.To.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	return from, to
}

// DailySales implements reporting.Store, aggregating the orders table:
// cancelled orders are not sales.
func (s *Store) DailySales(ctx context.Context, r reporting.Range) ([]reporting.DailySales, error) {
	from, to := span(r)
	day := s.dayExpr()
	q := s.db.Rebind("SELECT " + day + " AS day, region, COUNT(*), COALESCE(SUM(total_cents), 0) FROM orders" +
		" WHERE created_at >= ? AND created_at < ? AND status <> 'cancelled'" +
		" GROUP BY " + day + ", region ORDER BY day, region")
	rows, err := s.db.SQL().QueryContext(ctx, q, from, to)
	if err != nil {
		return nil, fmt.Errorf("daily sales: %w", err)
	}
	defer rows.Close()
	out := []reporting.DailySales{}
	for rows.Next() {
		var d reporting.DailySales
		if err := rows.Scan(&d.Day, &d.Region, &d.Orders, &d.RevenueCents); err != nil {
			return nil, fmt.Errorf("daily sales: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// StatusCounts implements reporting.Store.
func (s *Store) StatusCounts(ctx context.Context, r reporting.Range) ([]reporting.StatusCount, error) {
	from, to := span(r)
	q := s.db.Rebind("SELECT status, COUNT(*) FROM orders WHERE created_at >= ? AND created_at < ? GROUP BY status ORDER BY status")
	rows, err := s.db.SQL().QueryContext(ctx, q, from, to)
	if err != nil {
		return nil, fmt.Errorf("status counts: %w", err)
	}
	defer rows.Close()
	var out []reporting.StatusCount
	for rows.Next() {
		var c reporting.StatusCount
		var st string
		if err := rows.Scan(&st, &c.Count); err != nil {
			return nil, fmt.Errorf("status counts: %w", err)
		}
		c.Status = orders.Status(st)
		out = append(out, c)
	}
	return out, rows.Err()
}
