package cache_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/acme/platform/build/internal/cache"
	"github.com/acme/platform/libs/cloud/blob"
)

const key1 = "0123456789abcdef0123456789abcdef"

// tiered returns a Tiered store over a fresh local folder and objs.
func tiered(t *testing.T, objs cache.Objects, write bool) (*cache.Tiered, *cache.Local) {
	t.Helper()
	local, err := cache.NewLocal(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return cache.NewTiered(local, cache.NewRemote(objs, "mem://cache/"), cache.TieredOptions{Write: write}), local
}

func readAll(t *testing.T, s cache.Store, key string) (string, error) {
	t.Helper()
	rc, err := s.Get(context.Background(), key)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), err
}

// runRemoteSuite checks a Remote over objs: what is put is read back
// whole; a corrupt or truncated object is a miss with a Warning; a
// read-only Tiered never writes.
func runRemoteSuite(t *testing.T, objs func(t *testing.T) cache.Objects) {
	ctx := context.Background()
	entry := strings.Repeat("entry bytes ", 1000)

	t.Run("round trip", func(t *testing.T) {
		o := objs(t)
		writer, _ := tiered(t, o, true)
		if err := writer.Put(ctx, key1, strings.NewReader(entry)); err != nil {
			t.Fatal(err)
		}
		reader, local := tiered(t, o, false) // a fresh clone
		if ok, err := reader.Has(ctx, key1); !ok || err != nil {
			t.Fatalf("Has = %v, %v; want true", ok, err)
		}
		got, err := readAll(t, reader, key1)
		if err != nil || got != entry {
			t.Fatalf("Get = %d bytes, %v; want the entry", len(got), err)
		}
		if ok, _ := local.Has(ctx, key1); !ok {
			t.Error("a remote hit was not copied into the local store")
		}
		if _, err := readAll(t, reader, "ffffffffffffffff"); !errors.Is(err, cache.ErrNotFound) {
			t.Errorf("Get of a missing key = %v; want ErrNotFound", err)
		}
	})

	for name, damage := range map[string]func(stored []byte) []byte{
		"garbage":           func([]byte) []byte { return []byte("not a cache entry at all, but long enough to hold a trailer ..") },
		"truncated":         func(b []byte) []byte { return b[:len(b)/2] },
		"trailer cut":       func(b []byte) []byte { return b[:len(b)-1] },
		"one byte changed":  func(b []byte) []byte { c := bytes.Clone(b); c[10] ^= 1; return c },
		"shorter than tail": func([]byte) []byte { return []byte("x") },
		"empty":             func([]byte) []byte { return nil },
	} {
		t.Run("corrupt "+name, func(t *testing.T) {
			o := objs(t)
			writer, _ := tiered(t, o, true)
			if err := writer.Put(ctx, key1, strings.NewReader(entry)); err != nil {
				t.Fatal(err)
			}
			rc, _, err := o.Get(ctx, key1)
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := io.ReadAll(rc)
			rc.Close()
			if err := o.Put(ctx, key1, bytes.NewReader(damage(stored)), blob.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			reader, local := tiered(t, o, false)
			_, err = readAll(t, reader, key1)
			var w *cache.Warning
			if !errors.Is(err, cache.ErrNotFound) || !errors.As(err, &w) {
				t.Fatalf("Get = %v; want a miss with a Warning", err)
			}
			for _, want := range []string{"mem://cache/", key1, "corrupt"} {
				if !strings.Contains(w.Error(), want) {
					t.Errorf("warning %q does not name %q", w, want)
				}
			}
			if ok, _ := local.Has(ctx, key1); ok {
				t.Error("a corrupt entry was copied into the local store")
			}
			// The rebuilt task's entry replaces it (CI writes).
			if err := writer.Put(ctx, key1, strings.NewReader(entry)); err != nil {
				t.Fatal(err)
			}
			fresh, _ := tiered(t, o, false)
			if got, err := readAll(t, fresh, key1); err != nil || got != entry {
				t.Fatalf("after the rewrite Get = %d bytes, %v", len(got), err)
			}
		})
	}

	t.Run("read-only never writes", func(t *testing.T) {
		o := objs(t)
		laptop, local := tiered(t, o, false)
		if err := laptop.Put(ctx, key1, strings.NewReader(entry)); err != nil {
			t.Fatal(err)
		}
		if ok, _ := local.Has(ctx, key1); !ok {
			t.Error("not stored locally")
		}
		if _, _, err := o.Get(ctx, key1); err == nil {
			t.Error("a read-only store wrote the remote")
		}
	})
}

func TestRemoteOnMemory(t *testing.T) {
	t.Parallel()
	runRemoteSuite(t, func(*testing.T) cache.Objects { return blob.NewMemory("cache") })
}

// failing is a remote that cannot be reached.
type failing struct{ calls int }

func (f *failing) Put(context.Context, string, io.Reader, blob.PutOptions) error {
	f.calls++
	return errors.New("dial tcp: connection refused")
}

func (f *failing) Get(context.Context, string) (io.ReadCloser, blob.Info, error) {
	f.calls++
	return nil, blob.Info{}, errors.New("dial tcp: connection refused")
}

func TestUnreachableRemoteWarnsOnceThenUsesLocal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := &failing{}
	s, _ := tiered(t, f, true)
	_, err := readAll(t, s, key1)
	var w *cache.Warning
	if !errors.As(err, &w) || !errors.Is(err, cache.ErrNotFound) || !strings.Contains(w.Error(), "unreachable") {
		t.Fatalf("first Get = %v; want a miss with an unreachable warning", err)
	}
	if _, err := readAll(t, s, key1); err != cache.ErrNotFound {
		t.Errorf("second Get = %v; want a plain miss (warned once)", err)
	}
	if err := s.Put(ctx, key1, strings.NewReader("entry")); err != nil {
		t.Errorf("Put = %v; want the local store only", err)
	}
	if got, err := readAll(t, s, key1); err != nil || got != "entry" {
		t.Errorf("Get after Put = %q, %v", got, err)
	}
	if f.calls != 1 {
		t.Errorf("remote called %d times; want once, then never", f.calls)
	}
}
