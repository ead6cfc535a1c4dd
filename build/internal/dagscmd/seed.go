package dagscmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/acme/platform/libs/batch"
	"github.com/acme/platform/libs/business/orders"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/services/orders-api/ordersdb"
)

// SeedFile holds the sample orders (shared with mono dev), relative to the root.
const SeedFile = "services/orders-api/seed/orders.json"

// seedOrder is one sample order.
type seedOrder struct {
	CustomerID string        `json:"customer_id"`
	Region     string        `json:"region"`
	Items      []orders.Item `json:"items"`
	Status     orders.Status `json:"status"`
}

// seedOrders writes the sample orders as created on day, one an hour from
// 01:00 UTC, through the orders-api store (the table's real writer). Ids
// are fixed per day, so seeding a day again adds nothing. It returns how
// many orders the day has from the seed.
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
	store := ordersdb.New(conn)
	for i, s := range seeds {
		id := fmt.Sprintf("seed-%s-%02d", day, i+1)
		if _, err := store.Get(ctx, id); err == nil {
			continue
		} else if !errors.Is(err, orders.ErrNotFound) {
			return 0, err
		}
		var total int64
		for _, it := range s.Items {
			total += it.Quantity * it.UnitPriceCents
		}
		status := s.Status
		if status == "" {
			status = orders.Pending
		}
		at := start.Add(time.Duration(i%23+1) * time.Hour)
		o := orders.Order{
			ID: id, CustomerID: s.CustomerID, Region: s.Region, Items: s.Items, Status: status,
			SubtotalCents: total, TotalCents: total, CreatedAt: at, UpdatedAt: at,
		}
		if _, err := store.Create(ctx, o, "", ""); err != nil {
			return 0, fmt.Errorf("order %s: %w", id, err)
		}
	}
	return len(seeds), nil
}
