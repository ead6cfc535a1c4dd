package reporting_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/business/orders"
	"github.com/acme/platform/libs/business/reporting"
)

func at(day string, hour int) time.Time {
	d, _ := time.Parse(reporting.DayLayout, day)
	return d.Add(time.Duration(hour) * time.Hour)
}

func TestRollup(t *testing.T) {
	t.Parallel()
	os := []orders.Order{
		{ID: "1", Region: "us-east", Status: orders.Pending, TotalCents: 100, CreatedAt: at("2026-03-01", 1)},
		{ID: "2", Region: "us-east", Status: orders.Shipped, TotalCents: 250, CreatedAt: at("2026-03-01", 23)},
		{ID: "3", Region: "eu-west", Status: orders.Confirmed, TotalCents: 70, CreatedAt: at("2026-03-01", 12)},
		{ID: "4", Region: "eu-west", Status: orders.Cancelled, TotalCents: 999, CreatedAt: at("2026-03-01", 12)},
		{ID: "5", Region: "us-east", Status: orders.Pending, TotalCents: 5, CreatedAt: at("2026-03-02", 0)},
		{ID: "6", Region: "us-east", Status: orders.Pending, TotalCents: 5, CreatedAt: at("2026-02-28", 23)},
	}
	got := reporting.Rollup(at("2026-03-01", 15), os)
	want := []reporting.DailySales{
		{Day: "2026-03-01", Region: "eu-west", Orders: 1, RevenueCents: 70},
		{Day: "2026-03-01", Region: "us-east", Orders: 2, RevenueCents: 350},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rollup (-want +got):\n%s", diff)
	}
	if got := reporting.Rollup(at("2026-04-01", 0), os); len(got) != 0 {
		t.Errorf("a day without orders = %v, want no rows", got)
	}
}

func TestParseRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to string
		ok       bool
	}{
		{"2026-03-01", "2026-03-31", true},
		{"2026-03-01", "2026-03-01", true},
		{"2026-03-02", "2026-03-01", false},
		{"2026-3-1", "2026-03-01", false},
		{"2025-01-01", "2026-03-01", false},
		{"", "2026-03-01", false},
	}
	for _, tt := range tests {
		_, err := reporting.ParseRange(tt.from, tt.to)
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, reporting.ErrInvalidRange) {
			t.Errorf("ParseRange(%q, %q) = %v, want ok=%v", tt.from, tt.to, err, tt.ok)
		}
	}
}

type fixedStore struct {
	daily  []reporting.DailySales
	counts []reporting.StatusCount
}

func (f fixedStore) DailySales(context.Context, reporting.Range) ([]reporting.DailySales, error) {
	return f.daily, nil
}
func (f fixedStore) StatusCounts(context.Context, reporting.Range) ([]reporting.StatusCount, error) {
	return f.counts, nil
}

func TestBuild(t *testing.T) {
	t.Parallel()
	r, _ := reporting.ParseRange("2026-03-01", "2026-03-02")
	svc := reporting.NewService(fixedStore{
		daily: []reporting.DailySales{
			{Day: "2026-03-01", Region: "eu-west", Orders: 1, RevenueCents: 70},
			{Day: "2026-03-01", Region: "us-east", Orders: 2, RevenueCents: 350},
			{Day: "2026-03-02", Region: "eu-west", Orders: 3, RevenueCents: 300},
		},
		counts: []reporting.StatusCount{{Status: orders.Pending, Count: 4}, {Status: orders.Cancelled, Count: 1}},
	})
	rep, err := svc.Build(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	wantRegions := []reporting.RegionRevenue{{Region: "eu-west", RevenueCents: 370}, {Region: "us-east", RevenueCents: 350}}
	if diff := cmp.Diff(wantRegions, rep.ByRegion); diff != "" {
		t.Errorf("by region (-want +got):\n%s", diff)
	}
	wantStatus := []reporting.StatusCount{{orders.Pending, 4}, {orders.Confirmed, 0}, {orders.Shipped, 0}, {orders.Cancelled, 1}}
	if diff := cmp.Diff(wantStatus, rep.ByStatus); diff != "" {
		t.Errorf("by status (-want +got):\n%s", diff)
	}

	empty, err := reporting.NewService(fixedStore{}).Build(context.Background(), r)
	if err != nil || empty.Daily == nil || len(empty.ByStatus) != 4 || len(empty.ByRegion) != 0 {
		t.Errorf("empty report = %+v, %v", empty, err)
	}
}
