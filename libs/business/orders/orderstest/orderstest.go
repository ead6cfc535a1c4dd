// Package orderstest holds the behavioural suite every orders.Store must
// pass (the SQL stores run it against SQLite and PostgreSQL) and Memory, a
// reference store that passes it.
package orderstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/business/orders"
)

// Memory is an orders.Store in memory, safe for concurrent use.
type Memory struct {
	mu     sync.Mutex
	byID   map[string]orders.Order
	byKey  map[string]keyed
	series []string // ids in insertion order
}

type keyed struct{ id, fingerprint string }

var _ orders.Store = (*Memory)(nil)

// NewMemory returns an empty store.
func NewMemory() *Memory {
	return &Memory{byID: map[string]orders.Order{}, byKey: map[string]keyed{}}
}

// Create implements orders.Store.
func (m *Memory) Create(_ context.Context, o orders.Order, key, fingerprint string) (orders.Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if key != "" {
		if k, ok := m.byKey[key]; ok {
			if k.fingerprint != fingerprint {
				return orders.Order{}, orders.ErrIdempotencyConflict
			}
			return clone(m.byID[k.id]), nil
		}
		m.byKey[key] = keyed{o.ID, fingerprint}
	}
	if _, ok := m.byID[o.ID]; ok {
		return orders.Order{}, fmt.Errorf("duplicate order id %s", o.ID)
	}
	m.byID[o.ID] = clone(o)
	m.series = append(m.series, o.ID)
	return clone(o), nil
}

// Get implements orders.Store.
func (m *Memory) Get(_ context.Context, id string) (orders.Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.byID[id]
	if !ok {
		return orders.Order{}, orders.ErrNotFound
	}
	return clone(o), nil
}

// List implements orders.Store.
func (m *Memory) List(_ context.Context, f orders.Filter) ([]orders.Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []orders.Order
	for _, o := range m.byID {
		if f.Status != "" && o.Status != f.Status || f.CustomerID != "" && o.CustomerID != f.CustomerID || f.Region != "" && o.Region != f.Region {
			continue
		}
		if f.After != nil && !Before(o, *f.After) {
			continue
		}
		out = append(out, clone(o))
	}
	sort.Slice(out, func(i, j int) bool {
		return Before(out[j], orders.Position{CreatedAt: out[i].CreatedAt, ID: out[i].ID})
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// Before reports whether o comes after position p in newest-first order.
func Before(o orders.Order, p orders.Position) bool {
	if !o.CreatedAt.Equal(p.CreatedAt) {
		return o.CreatedAt.Before(p.CreatedAt)
	}
	return o.ID < p.ID
}

// Transition implements orders.Store.
func (m *Memory) Transition(_ context.Context, id string, from []orders.Status, to orders.Status, at time.Time) (orders.Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.byID[id]
	if !ok {
		return orders.Order{}, orders.ErrNotFound
	}
	if !slices.Contains(from, o.Status) {
		return orders.Order{}, orders.ErrConflict
	}
	o.Status, o.UpdatedAt = to, at
	m.byID[id] = o
	return clone(o), nil
}

func clone(o orders.Order) orders.Order {
	o.Items = append([]orders.Item(nil), o.Items...)
	return o
}

// RunStoreSuite checks the orders.Store contract. newStore returns an empty
// store for each subtest.
func RunStoreSuite(t *testing.T, newStore func(t *testing.T) orders.Store) {
	t.Helper()
	ctx := context.Background()
	base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	order := func(id string, minute int, customer, region string, status orders.Status) orders.Order {
		at := base.Add(time.Duration(minute) * time.Minute)
		return orders.Order{
			ID: id, CustomerID: customer, Region: region, Status: status,
			Items:         []orders.Item{{SKU: "SKU-1", Quantity: 2, UnitPriceCents: 150}, {SKU: "SKU-2", Quantity: 1, UnitPriceCents: 99}},
			SubtotalCents: 399, TaxCents: 35, TotalCents: 434, CreatedAt: at, UpdatedAt: at,
		}
	}

	t.Run("create and get round trip", func(t *testing.T) {
		s := newStore(t)
		want := order("o1", 0, "c1", "us-east", orders.Pending)
		if _, err := s.Create(ctx, want, "", ""); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, "o1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("get (-want +got):\n%s", diff)
		}
		if _, err := s.Get(ctx, "missing"); !errors.Is(err, orders.ErrNotFound) {
			t.Errorf("get missing: %v, want ErrNotFound", err)
		}
	})

	t.Run("idempotency key", func(t *testing.T) {
		s := newStore(t)
		first := order("o1", 0, "c1", "us-east", orders.Pending)
		if _, err := s.Create(ctx, first, "key-1", "fp-a"); err != nil {
			t.Fatal(err)
		}
		again, err := s.Create(ctx, order("o2", 1, "c1", "us-east", orders.Pending), "key-1", "fp-a")
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != "o1" {
			t.Errorf("retry returned %s, want the first order o1", again.ID)
		}
		if _, err := s.Create(ctx, order("o3", 2, "c1", "us-east", orders.Pending), "key-1", "fp-b"); !errors.Is(err, orders.ErrIdempotencyConflict) {
			t.Errorf("reuse with another request: %v, want ErrIdempotencyConflict", err)
		}
		if _, err := s.Get(ctx, "o2"); !errors.Is(err, orders.ErrNotFound) {
			t.Errorf("the retried order must not be stored: %v", err)
		}
	})

	t.Run("list filters and pages newest first", func(t *testing.T) {
		s := newStore(t)
		for _, o := range []orders.Order{
			order("a", 0, "c1", "us-east", orders.Pending),
			order("b", 1, "c2", "us-east", orders.Cancelled),
			order("c", 2, "c1", "eu-west", orders.Pending),
			order("d", 2, "c1", "us-east", orders.Pending), // same time as c: id breaks the tie
			order("e", 3, "c1", "us-east", orders.Shipped),
		} {
			if _, err := s.Create(ctx, o, "", ""); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(os []orders.Order) []string {
			out := []string{}
			for _, o := range os {
				out = append(out, o.ID)
			}
			return out
		}
		tests := []struct {
			name string
			f    orders.Filter
			want []string
		}{
			{"all", orders.Filter{Limit: 10}, []string{"e", "d", "c", "b", "a"}},
			{"limit", orders.Filter{Limit: 2}, []string{"e", "d"}},
			{"after tie", orders.Filter{Limit: 10, After: &orders.Position{CreatedAt: base.Add(2 * time.Minute), ID: "d"}}, []string{"c", "b", "a"}},
			{"status", orders.Filter{Limit: 10, Status: orders.Pending}, []string{"d", "c", "a"}},
			{"customer and region", orders.Filter{Limit: 10, CustomerID: "c1", Region: "us-east"}, []string{"e", "d", "a"}},
			{"nothing", orders.Filter{Limit: 10, Region: "ap-south"}, []string{}},
		}
		for _, tt := range tests {
			got, err := s.List(ctx, tt.f)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		}
	})

	t.Run("transition is compare and set", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Create(ctx, order("o1", 0, "c1", "us-east", orders.Pending), "", ""); err != nil {
			t.Fatal(err)
		}
		later := base.Add(time.Hour)
		got, err := s.Transition(ctx, "o1", []orders.Status{orders.Pending}, orders.Confirmed, later)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != orders.Confirmed || !got.UpdatedAt.Equal(later) {
			t.Errorf("after transition: %s at %v", got.Status, got.UpdatedAt)
		}
		if _, err := s.Transition(ctx, "o1", []orders.Status{orders.Pending}, orders.Cancelled, later); !errors.Is(err, orders.ErrConflict) {
			t.Errorf("transition from the wrong status: %v, want ErrConflict", err)
		}
		if _, err := s.Transition(ctx, "nope", []orders.Status{orders.Pending}, orders.Cancelled, later); !errors.Is(err, orders.ErrNotFound) {
			t.Errorf("transition of a missing order: %v, want ErrNotFound", err)
		}
	})

	t.Run("concurrent transitions: exactly one wins", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Create(ctx, order("o1", 0, "c1", "us-east", orders.Pending), "", ""); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := 0; i < 8; i++ {
			wg.Go(func() {
				_, err := s.Transition(ctx, "o1", []orders.Status{orders.Pending}, orders.Confirmed, base)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case !errors.Is(err, orders.ErrConflict):
					t.Errorf("transition: %v", err)
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("%d transitions won, want exactly 1", wins)
		}
	})
}
