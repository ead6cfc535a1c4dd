// Package paramstest is the behavioural suite every params.Store
// implementation passes (the map and SSM on moto).
package paramstest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/cloud/params"
)

// NewFunc returns a store holding seed (full path -> value).
type NewFunc func(t *testing.T, seed map[string]string) params.Store

// RunSuite runs the suite.
func RunSuite(t *testing.T, newStore NewFunc) {
	ctx := context.Background()
	seed := map[string]string{
		"/acme/dev/s3/exports/bucket":     "acme-dev-exports",
		"/acme/dev/sqs/order-events/url":  "https://sqs.eu-west-1.amazonaws.com/1/acme-dev-order-events",
		"/acme/dev/rds/orders/host":       "orders.cluster.eu-west-1.rds.amazonaws.com",
		"/acme/devbox/s3/exports/bucket":  "not-dev",
		"/acme/staging/s3/exports/bucket": "acme-staging-exports",
	}
	t.Run("get", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, seed)
		v, err := s.Get(ctx, "/acme/dev/s3/exports/bucket")
		if err != nil || v != "acme-dev-exports" {
			t.Errorf("Get = %q, %v", v, err)
		}
	})
	t.Run("get by path is recursive and stops at segment boundaries", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, seed)
		got, err := s.GetByPath(ctx, "/acme/dev")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"/acme/dev/s3/exports/bucket":    seed["/acme/dev/s3/exports/bucket"],
			"/acme/dev/sqs/order-events/url": seed["/acme/dev/sqs/order-events/url"],
			"/acme/dev/rds/orders/host":      seed["/acme/dev/rds/orders/host"],
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetByPath(/acme/dev) (-want +got):\n%s", diff)
		}
		none, err := s.GetByPath(ctx, "/acme/prod/")
		if err != nil || len(none) != 0 {
			t.Errorf("GetByPath(empty) = %v, %v", none, err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, seed)
		if _, err := s.Get(ctx, "/acme/dev/nope"); !errors.Is(err, cloud.ErrNotFound) {
			t.Errorf("Get(missing) = %v, want ErrNotFound", err)
		}
	})
}
