// Package reporting turns orders into the figures the business reads:
// daily sales per region, orders by status and revenue by region.
// Cancelled orders count in the status figures but never as sales.
package reporting

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/acme/platform/libs/business/orders"
)

// DayLayout is how days are written: 2006-01-02, in UTC.
const DayLayout = "2006-01-02"

// DailySales is one day's sales in one region.
type DailySales struct {
	Day          string `json:"day"`
	Region       string `json:"region"`
	Orders       int64  `json:"orders"`
	RevenueCents int64  `json:"revenue_cents"`
}

// StatusCount is how many orders are in a status.
type StatusCount struct {
	Status orders.Status `json:"status"`
	Count  int64         `json:"count"`
}

// RegionRevenue is the revenue of a region over a range.
type RegionRevenue struct {
	Region       string `json:"region"`
	RevenueCents int64  `json:"revenue_cents"`
}

// Range is a span of whole days, From and To included.
type Range struct {
	From, To time.Time
}

// ErrInvalidRange is returned for a range that ends before it starts or
// spans more than MaxDays.
var ErrInvalidRange = errors.New("invalid date range")

// MaxDays bounds a report's range.
const MaxDays = 366

// ParseRange reads two days written as 2006-01-02.
func ParseRange(from, to string) (Range, error) {
	f, err := time.Parse(DayLayout, from)
	if err != nil {
		return Range{}, fmt.Errorf("%w: from %q is not a day like 2026-03-01", ErrInvalidRange, from)
	}
	t, err := time.Parse(DayLayout, to)
	if err != nil {
		return Range{}, fmt.Errorf("%w: to %q is not a day like 2026-03-01", ErrInvalidRange, to)
	}
	r := Range{From: f, To: t}
	return r, r.Validate()
}

// Validate checks the range.
func (r Range) Validate() error {
	if r.To.Before(r.From) {
		return fmt.Errorf("%w: to %s is before from %s", ErrInvalidRange, r.To.Format(DayLayout), r.From.Format(DayLayout))
	}
	if r.To.Sub(r.From) > MaxDays*24*time.Hour {
		return fmt.Errorf("%w: more than %d days", ErrInvalidRange, MaxDays)
	}
	return nil
}

// Rollup aggregates the orders created on day (UTC) into one row per region,
// sorted by region. Cancelled orders are left out.
func Rollup(day time.Time, os []orders.Order) []DailySales {
	d := day.UTC().Format(DayLayout)
	by := map[string]*DailySales{}
	for _, o := range os {
		if o.Status == orders.Cancelled || o.CreatedAt.UTC().Format(DayLayout) != d {
			continue
		}
		row, ok := by[o.Region]
		if !ok {
			row = &DailySales{Day: d, Region: o.Region}
			by[o.Region] = row
		}
		row.Orders++
		row.RevenueCents += o.TotalCents
	}
	out := make([]DailySales, 0, len(by))
	for _, r := range by {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Region < out[j].Region })
	return out
}

// ByRegion sums daily rows into revenue per region, largest first.
func ByRegion(rows []DailySales) []RegionRevenue {
	by := map[string]int64{}
	for _, r := range rows {
		by[r.Region] += r.RevenueCents
	}
	out := make([]RegionRevenue, 0, len(by))
	for region, rev := range by {
		out = append(out, RegionRevenue{Region: region, RevenueCents: rev})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].RevenueCents != out[j].RevenueCents {
			return out[i].RevenueCents > out[j].RevenueCents
		}
		return out[i].Region < out[j].Region
	})
	return out
}

// Store reads report figures. orders-api implements it over the orders
// table, live; the sales-rollup job writes the same figures per day into
// daily_sales for exports and the warehouse.
type Store interface {
	// DailySales returns the sales of the range per day and region, by day
	// then region; cancelled orders do not count.
	DailySales(ctx context.Context, r Range) ([]DailySales, error)
	// StatusCounts counts the orders created in the range by status.
	StatusCounts(ctx context.Context, r Range) ([]StatusCount, error)
}

// Report is everything the dashboard shows for a range.
type Report struct {
	From     string          `json:"from"`
	To       string          `json:"to"`
	Daily    []DailySales    `json:"daily"`
	ByStatus []StatusCount   `json:"by_status"`
	ByRegion []RegionRevenue `json:"by_region"`
}

// Service builds reports.
type Service struct {
	store Store
}

// NewService returns a reporting service over store.
func NewService(store Store) *Service { return &Service{store: store} }

// Build returns the report of a range; every status appears, with zero
// counts where no order has it, so that an empty range is an empty report
// rather than an error.
func (s *Service) Build(ctx context.Context, r Range) (Report, error) {
	if err := r.Validate(); err != nil {
		return Report{}, err
	}
	daily, err := s.store.DailySales(ctx, r)
	if err != nil {
		return Report{}, fmt.Errorf("daily sales: %w", err)
	}
	counts, err := s.store.StatusCounts(ctx, r)
	if err != nil {
		return Report{}, fmt.Errorf("status counts: %w", err)
	}
	by := map[orders.Status]int64{}
	for _, c := range counts {
		by[c.Status] += c.Count
	}
	rep := Report{From: r.From.Format(DayLayout), To: r.To.Format(DayLayout), Daily: daily, ByRegion: ByRegion(daily)}
	if rep.Daily == nil {
		rep.Daily = []DailySales{}
	}
	for _, st := range orders.Statuses {
		rep.ByStatus = append(rep.ByStatus, StatusCount{Status: st, Count: by[st]})
	}
	return rep, nil
}
