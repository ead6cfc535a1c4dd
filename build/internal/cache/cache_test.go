package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func key(i int) string { return fmt.Sprintf("%064x", i+1) }

func put(t *testing.T, l *Local, k string, size int) {
	t.Helper()
	if err := l.Put(context.Background(), k, bytes.NewReader(make([]byte, size))); err != nil {
		t.Fatalf("put %s: %v", k[60:], err)
	}
}

func held(t *testing.T, l *Local, n int) []int {
	t.Helper()
	var out []int
	for i := range n {
		ok, err := l.Has(context.Background(), key(i))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

func TestLocalLRU(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		maxBytes int64
		sizes    []int // entries 0..n-1 put in order, one simulated second apart
		use      []int // entries read (in order) after all puts
		extra    int   // size of one more entry put at the end
		want     []int // entries left, the extra one included
		wantSize int64
	}{
		{name: "under the bound keeps all", maxBytes: 1000, sizes: []int{100, 100, 100}, extra: 100, want: []int{0, 1, 2, 3}, wantSize: 400},
		{name: "oldest goes first", maxBytes: 350, sizes: []int{100, 100, 100}, extra: 100, want: []int{1, 2, 3}, wantSize: 300},
		{name: "a read makes an entry recent", maxBytes: 350, sizes: []int{100, 100, 100}, use: []int{0}, extra: 100, want: []int{0, 2, 3}, wantSize: 300},
		{name: "a large entry evicts several", maxBytes: 400, sizes: []int{100, 100, 100, 100}, use: []int{1}, extra: 250, want: []int{1, 4}, wantSize: 350},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := NewLocal(t.TempDir(), tt.maxBytes)
			if err != nil {
				t.Fatal(err)
			}
			clock := time.Unix(1_700_000_000, 0)
			l.now = func() time.Time { clock = clock.Add(time.Second); return clock }
			for i, s := range tt.sizes {
				put(t, l, key(i), s)
			}
			for _, i := range tt.use {
				rc, err := l.Get(context.Background(), key(i))
				if err != nil {
					t.Fatal(err)
				}
				rc.Close()
			}
			put(t, l, key(len(tt.sizes)), tt.extra)
			if diff := cmp.Diff(tt.want, held(t, l, len(tt.sizes)+1)); diff != "" {
				t.Errorf("entries left (-want +got):\n%s", diff)
			}
			size, err := l.Size()
			if err != nil {
				t.Fatal(err)
			}
			if size != tt.wantSize || size > tt.maxBytes {
				t.Errorf("size = %d, want %d (bound %d)", size, tt.wantSize, tt.maxBytes)
			}
		})
	}
}

func TestLocalBoundSurvivesReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l, err := NewLocal(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		put(t, l, key(i), 100)
		old := time.Unix(1_700_000_000+int64(i), 0)
		if err := os.Chtimes(filepath.Join(dir, key(i)[:2], key(i)), old, old); err != nil {
			t.Fatal(err)
		}
	}
	// A new process with a bound: the first Put scans the folder.
	l2, err := NewLocal(dir, 300)
	if err != nil {
		t.Fatal(err)
	}
	put(t, l2, key(5), 100)
	if diff := cmp.Diff([]int{3, 4, 5}, held(t, l2, 6)); diff != "" {
		t.Errorf("entries left (-want +got):\n%s", diff)
	}
}

func TestLocalGetPut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, err := NewLocal(t.TempDir(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Get(ctx, key(0)); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a missing key: %v, want ErrNotFound", err)
	}
	if err := l.Put(ctx, key(1), strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	rc, err := l.Get(ctx, key(1))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "hello" {
		t.Errorf("Get = %q", got)
	}
	if err := l.Put(ctx, key(2), strings.NewReader("this is more than ten bytes")); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Put of a too large entry: %v, want ErrTooLarge", err)
	}
	if ok, _ := l.Has(ctx, key(2)); ok {
		t.Error("a too large entry was stored")
	}
	if _, err := l.Has(ctx, "../../etc/passwd"); err == nil {
		t.Error("Has accepted a path as key")
	}
}

func TestEntryRoundTrip(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	write := func(root, rel, content string, mode os.FileMode) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	write(src, "web/app/dist/index.js", "console.log(1)", 0o644)
	write(src, ".mono/out/api", "#!/bin/sh\necho hi\n", 0o755)
	if err := os.Symlink("index.js", filepath.Join(src, "web/app/dist/main.js")); err != nil {
		t.Fatal(err)
	}
	meta := Meta{Key: key(7), Component: "app", Target: "build", Duration: 1500 * time.Millisecond, Files: []File{
		{Path: "web/app/dist/index.js", Mode: 0o644, Size: 14, Digest: "d1"},
		{Path: ".mono/out/api", Mode: 0o755, Size: 18, Digest: "d2"},
		{Path: "web/app/dist/main.js", Mode: os.ModeSymlink | 0o777, Link: "index.js", Digest: "d3"},
	}}
	var buf bytes.Buffer
	if err := WriteEntry(&buf, src, meta, []byte("building\ndone\n")); err != nil {
		t.Fatal(err)
	}

	dst := t.TempDir()
	write(dst, "web/app/dist/index.js", "stale", 0o644)
	e, err := ReadEntry(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	meta.LogSize = 14
	if diff := cmp.Diff(meta, e.Meta); diff != "" {
		t.Errorf("meta (-want +got):\n%s", diff)
	}
	log, err := e.Log()
	if err != nil || string(log) != "building\ndone\n" {
		t.Errorf("Log = %q, %v", log, err)
	}
	if err := e.Restore(dst, func(f File) bool { return f.Digest == "d2" }); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dst, "web/app/dist/index.js"))
	if string(got) != "console.log(1)" {
		t.Errorf("restored index.js = %q", got)
	}
	if _, err := os.Stat(filepath.Join(dst, ".mono/out/api")); !os.IsNotExist(err) {
		t.Errorf("a skipped file was restored: %v", err)
	}
	if link, err := os.Readlink(filepath.Join(dst, "web/app/dist/main.js")); err != nil || link != "index.js" {
		t.Errorf("link = %q, %v", link, err)
	}

	// Restore without reading the log first, nothing skipped.
	e, _ = ReadEntry(bytes.NewReader(buf.Bytes()))
	if err := e.Restore(dst, nil); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dst, ".mono/out/api"))
	if err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("restored api: %v, %v", info, err)
	}
}

func TestLocalTouch(t *testing.T) {
	t.Parallel()
	now := time.Now().Truncate(time.Second)
	tests := []struct {
		name      string
		stored    bool
		age       time.Duration // of the entry's used mark
		wantFound bool
		wantUsed  time.Time
	}{
		{name: "missing", stored: false},
		{name: "marked recently: left as it is", stored: true, age: time.Minute, wantFound: true, wantUsed: now.Add(-time.Minute)},
		{name: "marked long ago: renewed", stored: true, age: 2 * time.Hour, wantFound: true, wantUsed: now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			l, err := NewLocal(dir, 0)
			if err != nil {
				t.Fatal(err)
			}
			l.now = func() time.Time { return now }
			p := filepath.Join(dir, key(0)[:2], key(0))
			if tt.stored {
				put(t, l, key(0), 10)
				used := now.Add(-tt.age)
				if err := os.Chtimes(p, used, used); err != nil {
					t.Fatal(err)
				}
			}
			found, err := l.Touch(context.Background(), key(0))
			if err != nil || found != tt.wantFound {
				t.Fatalf("Touch = %v, %v; want %v", found, err, tt.wantFound)
			}
			if !tt.stored {
				return
			}
			info, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if !info.ModTime().Equal(tt.wantUsed) {
				t.Errorf("used mark %v, want %v", info.ModTime(), tt.wantUsed)
			}
		})
	}
	if _, err := (&Local{dir: t.TempDir(), now: time.Now}).Touch(context.Background(), "../x"); err == nil {
		t.Error("Touch of an invalid key: no error")
	}
}
