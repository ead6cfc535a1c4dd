package dagscmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/acme/platform/libs/batch"
	"github.com/acme/platform/libs/db"
)

// SeedFile holds the sample orders (shared with mono dev), relative to the root.
const SeedFile = "services/orders-api/seed/orders.json"

// seedOrder is one sample order.
type seedOrder struct {
	CustomerID string `json:"customer_id"`
	Region     string `json:"region"`
	Items      []struct {
		SKU            string `json:"sku"`
		Quantity       int64  `json:"quantity"`
		UnitPriceCents int64  `json:"unit_price_cents"`
	} `json:"items"`
	Status string `json:"status"`
}

// The SQL here is written against the tables of services/orders-api
// (orders, order_items) and scripts/sales-rollup (daily_sales) rather than
// through their Go stores, so that mono does not depend on those programs
// (a change to them would otherwise mark mono affected). The end-to-end
// test of mono dags test (run whenever dags/ is affected, which a change to
// either reaches) keeps it honest.

// seedOrders writes the sample orders as created on day, one an hour from
// 01:00 UTC. Ids are fixed per day, so seeding a day again adds nothing.
// It returns how many orders the day has from the seed.
func seedOrders(ctx context.Context, conn *db.DB, file, day string) (int, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	var seeds []seedOrder
	if err := json.Unmarshal(raw, &seeds); err != nil {
		return 0, fmt.Errorf("%s: %w", file, err)
	}
	start, err := time.Parse(batch.DayLayout, day)
	if err != nil {
		return 0, err
	}
	insOrder := conn.Rebind(`INSERT INTO orders (id, customer_id, region, status, subtotal_cents, discount_cents, tax_cents, total_cents, fingerprint, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, 0, 0, ?, '', ?, ?) ON CONFLICT (id) DO NOTHING`)
	insItem := conn.Rebind(`INSERT INTO order_items (order_id, line, sku, quantity, unit_price_cents) VALUES (?, ?, ?, ?, ?) ON CONFLICT (order_id, line) DO NOTHING`)
	tx, err := conn.SQL().BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }()
	for i, s := range seeds {
		id := fmt.Sprintf("seed-%s-%02d", day, i+1)
		var total int64
		for _, it := range s.Items {
			total += it.Quantity * it.UnitPriceCents
		}
		status := s.Status
		if status == "" {
			status = "pending"
		}
		at := start.Add(time.Duration(i%23+1) * time.Hour).UTC()
		if _, err := tx.ExecContext(ctx, insOrder, id, s.CustomerID, s.Region, status, total, total, at, at); err != nil {
			return 0, fmt.Errorf("order %s: %w", id, err)
		}
		for line, it := range s.Items {
			if _, err := tx.ExecContext(ctx, insItem, id, line, it.SKU, it.Quantity, it.UnitPriceCents); err != nil {
				return 0, fmt.Errorf("order %s line %d: %w", id, line, err)
			}
		}
	}
	return len(seeds), tx.Commit()
}

// salesRow is one row of daily_sales.
type salesRow struct {
	Day          string
	Region       string
	Orders       int64
	RevenueCents int64
}

// dailySales reads the daily_sales rows of day.
func dailySales(ctx context.Context, conn *db.DB, day string) ([]salesRow, error) {
	q := "SELECT CAST(day AS TEXT), region, orders, revenue_cents FROM daily_sales WHERE day = ? ORDER BY region"
	if conn.Driver() == db.Postgres {
		q = "SELECT to_char(day, 'YYYY-MM-DD'), region, orders, revenue_cents FROM daily_sales WHERE day = $1::date ORDER BY region"
	}
	rows, err := conn.SQL().QueryContext(ctx, q, day)
	if err != nil {
		return nil, fmt.Errorf("read daily_sales: %w", err)
	}
	defer rows.Close()
	var out []salesRow
	for rows.Next() {
		var r salesRow
		if err := rows.Scan(&r.Day, &r.Region, &r.Orders, &r.RevenueCents); err != nil {
			return nil, fmt.Errorf("read daily_sales: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
