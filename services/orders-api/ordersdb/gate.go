package ordersdb

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/acme/platform/libs/business/orders"
	"github.com/acme/platform/libs/business/reporting"
)

// ErrNotReady means the database has not been reached yet; the API answers
// 503 and /readyz fails until it is.
var ErrNotReady = errors.New("database not reached yet")

// Gate is a Store that may not exist yet: the service starts serving (and
// failing readiness) while it keeps trying to reach its database, instead
// of exiting into a crash loop that says nothing.
type Gate struct {
	s atomic.Pointer[Store]
}

var (
	_ orders.Store    = (*Gate)(nil)
	_ reporting.Store = (*Gate)(nil)
)

// Open makes the gate pass calls to s.
func (g *Gate) Open(s *Store) { g.s.Store(s) }

func (g *Gate) store() (*Store, error) {
	if s := g.s.Load(); s != nil {
		return s, nil
	}
	return nil, ErrNotReady
}

// Ping checks the database, or fails with ErrNotReady.
func (g *Gate) Ping(ctx context.Context) error {
	s, err := g.store()
	if err != nil {
		return err
	}
	return s.Ping(ctx)
}

// Create implements orders.Store.
func (g *Gate) Create(ctx context.Context, o orders.Order, key, fingerprint string) (orders.Order, error) {
	s, err := g.store()
	if err != nil {
		return orders.Order{}, err
	}
	return s.Create(ctx, o, key, fingerprint)
}

// Get implements orders.Store.
func (g *Gate) Get(ctx context.Context, id string) (orders.Order, error) {
	s, err := g.store()
	if err != nil {
		return orders.Order{}, err
	}
	return s.Get(ctx, id)
}

// List implements orders.Store.
func (g *Gate) List(ctx context.Context, f orders.Filter) ([]orders.Order, error) {
	s, err := g.store()
	if err != nil {
		return nil, err
	}
	return s.List(ctx, f)
}

// Transition implements orders.Store.
func (g *Gate) Transition(ctx context.Context, id string, from []orders.Status, to orders.Status, at time.Time) (orders.Order, error) {
	s, err := g.store()
	if err != nil {
		return orders.Order{}, err
	}
	return s.Transition(ctx, id, from, to, at)
}

// DailySales implements reporting.Store.
func (g *Gate) DailySales(ctx context.Context, r reporting.Range) ([]reporting.DailySales, error) {
	s, err := g.store()
	if err != nil {
		return nil, err
	}
	return s.DailySales(ctx, r)
}

// StatusCounts implements reporting.Store.
func (g *Gate) StatusCounts(ctx context.Context, r reporting.Range) ([]reporting.StatusCount, error) {
	s, err := g.store()
	if err != nil {
		return nil, err
	}
	return s.StatusCounts(ctx, r)
}
