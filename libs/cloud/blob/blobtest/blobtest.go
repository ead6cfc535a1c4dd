// Package blobtest is the behavioural suite every blob.Store passes: the
// memory, folder and S3 (moto) drivers run the same tests, so they cannot
// drift apart.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/cloud/blob"
)

// RunSuite runs the suite; newStore returns an empty store for each subtest.
func RunSuite(t *testing.T, newStore func(t *testing.T) blob.Store) {
	ctx := context.Background()
	put := func(t *testing.T, s blob.Store, key, body, ct string) {
		t.Helper()
		if err := s.Put(ctx, key, strings.NewReader(body), blob.PutOptions{ContentType: ct}); err != nil {
			t.Fatalf("Put(%s): %v", key, err)
		}
	}
	read := func(t *testing.T, s blob.Store, key string) (string, blob.Info) {
		t.Helper()
		rc, info, err := s.Get(ctx, key)
		if err != nil {
			t.Fatalf("Get(%s): %v", key, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return string(b), info
	}

	t.Run("put get round trip", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		put(t, s, "daily-sales/2026-11-28.csv", "day,total\n2026-11-28,1200\n", "text/csv")
		body, info := read(t, s, "daily-sales/2026-11-28.csv")
		if body != "day,total\n2026-11-28,1200\n" {
			t.Errorf("body = %q", body)
		}
		if info.Key != "daily-sales/2026-11-28.csv" || info.Size != int64(len(body)) || info.ContentType != "text/csv" {
			t.Errorf("info = %+v", info)
		}
		if time.Since(info.Modified) > time.Hour || info.Modified.After(time.Now().Add(time.Minute)) {
			t.Errorf("modified = %s", info.Modified)
		}
	})

	t.Run("put replaces, binary and empty bodies", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		put(t, s, "k", "first", "")
		put(t, s, "k", "second", "")
		if body, info := read(t, s, "k"); body != "second" || info.ContentType != "application/octet-stream" {
			t.Errorf("after replace: %q, %+v", body, info)
		}
		bin := []byte{0, 1, 2, 255, 254}
		if err := s.Put(ctx, "bin", io.MultiReader(bytes.NewReader(bin)), blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		if body, _ := read(t, s, "bin"); body != string(bin) {
			t.Errorf("binary body = %v", []byte(body))
		}
		put(t, s, "empty", "", "")
		if body, info := read(t, s, "empty"); body != "" || info.Size != 0 {
			t.Errorf("empty: %q, %+v", body, info)
		}
	})

	t.Run("missing key is not found", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if _, _, err := s.Get(ctx, "nope.txt"); !errors.Is(err, cloud.ErrNotFound) {
			t.Errorf("Get(missing) = %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, "nope.txt"); err != nil {
			t.Errorf("Delete(missing) = %v, want nil", err)
		}
	})

	t.Run("list by prefix, sorted", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for _, k := range []string{"b/2.txt", "a/1.txt", "b/1.txt", "b/sub/3.txt", "bx.txt"} {
			put(t, s, k, k, "text/plain")
		}
		got, err := s.List(ctx, "b/")
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, i := range got {
			keys = append(keys, i.Key)
			if i.Size != int64(len(i.Key)) || i.ContentType != "text/plain" {
				t.Errorf("listed %+v", i)
			}
		}
		if diff := cmp.Diff([]string{"b/1.txt", "b/2.txt", "b/sub/3.txt"}, keys); diff != "" {
			t.Errorf("List(b/) (-want +got):\n%s", diff)
		}
		all, err := s.List(ctx, "")
		if err != nil || len(all) != 5 {
			t.Errorf("List('') = %d objects, %v; want 5", len(all), err)
		}
		none, err := s.List(ctx, "zzz")
		if err != nil || none == nil || len(none) != 0 {
			t.Errorf("List(zzz) = %#v, %v; want an empty list", none, err)
		}
	})

	t.Run("delete", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		put(t, s, "x/y.txt", "y", "")
		if err := s.Delete(ctx, "x/y.txt"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Get(ctx, "x/y.txt"); !errors.Is(err, cloud.ErrNotFound) {
			t.Errorf("Get after Delete = %v", err)
		}
		if got, _ := s.List(ctx, ""); len(got) != 0 {
			t.Errorf("List after Delete = %v", got)
		}
	})

	t.Run("presigned url", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		put(t, s, "report.csv", "a,b", "text/csv")
		u, err := s.PresignGet(ctx, "report.csv", 10*time.Minute)
		if err != nil || u == "" || !strings.Contains(u, "report.csv") {
			t.Errorf("PresignGet = %q, %v", u, err)
		}
		if _, err := s.PresignGet(ctx, "report.csv", 0); !errors.Is(err, cloud.ErrInvalid) {
			t.Errorf("PresignGet(ttl 0) = %v, want ErrInvalid", err)
		}
	})

	t.Run("bad keys", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for _, k := range []string{"", "/abs", "dir/", "a//b", "../escape", "a/./b"} {
			if err := s.Put(ctx, k, strings.NewReader("x"), blob.PutOptions{}); !errors.Is(err, cloud.ErrInvalid) {
				t.Errorf("Put(%q) = %v, want ErrInvalid", k, err)
			}
		}
	})

	t.Run("concurrent writers", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				key := fmt.Sprintf("c/%02d", i)
				if err := s.Put(ctx, key, strings.NewReader(key), blob.PutOptions{}); err != nil {
					t.Errorf("Put(%s): %v", key, err)
				}
			})
		}
		wg.Wait()
		if got, err := s.List(ctx, "c/"); err != nil || len(got) != 20 {
			t.Errorf("List = %d, %v; want 20", len(got), err)
		}
	})

	t.Run("cancelled context", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := s.Get(cctx, "k"); !errors.Is(err, context.Canceled) {
			t.Errorf("Get(cancelled) = %v, want context.Canceled", err)
		}
	})
}
