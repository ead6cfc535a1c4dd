// Package secretstest is the behavioural suite every secrets.Store
// implementation passes (the local file and Secrets Manager on moto).
package secretstest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/cloud/secrets"
)

// NewFunc returns a store holding seed: per secret name its values in the
// order they were written (the last is current). A store that keeps no
// history gets only the last value of each.
type NewFunc func(t *testing.T, seed map[string][]string) secrets.Store

// RunSuite runs the suite; keepsHistory says whether old versions stay readable.
func RunSuite(t *testing.T, keepsHistory bool, newStore NewFunc) {
	ctx := context.Background()
	seed := map[string][]string{
		"orders-db": {`{"password":"old"}`, `{"password":"new"}`},
		"api-key":   {"k-123"},
	}

	t.Run("get current", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, seed)
		v, err := s.Get(ctx, "orders-db")
		if err != nil {
			t.Fatal(err)
		}
		if v.Value.Reveal() != `{"password":"new"}` || v.Version == "" || v.Name != "orders-db" {
			t.Errorf("Get = %+v (%s)", v, v.Value.Reveal())
		}
		if s := fmt.Sprintf("%v %+v %s", v, v, v.Value); contains(s, "new") {
			t.Errorf("a value printed itself: %s", s)
		}
	})

	t.Run("versions", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, seed)
		cur, err := s.Get(ctx, "orders-db")
		if err != nil {
			t.Fatal(err)
		}
		vs, err := s.Versions(ctx, "orders-db")
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if keepsHistory {
			want = 2
		}
		if len(vs) != want || !vs[0].Current || vs[0].ID != cur.Version {
			t.Fatalf("Versions = %+v, current %s; want %d, current first", vs, cur.Version, want)
		}
		got, err := s.GetVersion(ctx, "orders-db", cur.Version)
		if err != nil || got.Value.Reveal() != cur.Value.Reveal() {
			t.Errorf("GetVersion(current) = %v, %v", got.Value.Reveal(), err)
		}
		if keepsHistory {
			old, err := s.GetVersion(ctx, "orders-db", vs[1].ID)
			if err != nil || old.Value.Reveal() != `{"password":"old"}` {
				t.Errorf("GetVersion(previous) = %v, %v", old.Value.Reveal(), err)
			}
		}
	})

	t.Run("missing", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, seed)
		if _, err := s.Get(ctx, "nope"); !errors.Is(err, cloud.ErrNotFound) {
			t.Errorf("Get(missing) = %v, want ErrNotFound", err)
		}
		if _, err := s.Versions(ctx, "nope"); !errors.Is(err, cloud.ErrNotFound) {
			t.Errorf("Versions(missing) = %v, want ErrNotFound", err)
		}
		if _, err := s.GetVersion(ctx, "api-key", "00000000-0000-0000-0000-000000000000"); !errors.Is(err, cloud.ErrNotFound) {
			t.Errorf("GetVersion(missing version) = %v, want ErrNotFound", err)
		}
	})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
