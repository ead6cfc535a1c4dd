package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

var _ Store = (*Local)(nil)

// Local is a Store in a folder: one file per entry under <dir>/<key[:2]>/,
// bounded in size. When a Put makes the folder larger than the bound, the
// least recently used entries (by modification time, which Get refreshes)
// are removed until it fits.
type Local struct {
	dir      string
	maxBytes int64

	mu      sync.Mutex
	index   map[string]*localEntry // nil until the folder was scanned
	total   int64
	now     func() time.Time
	scanErr error
}

type localEntry struct {
	key  string
	size int64
	used time.Time
}

// NewLocal returns a local store in dir bounded to maxBytes; maxBytes <= 0
// means unbounded. The folder is created by the first Put, so that reading
// (mono run --dry-run) creates nothing.
func NewLocal(dir string, maxBytes int64) (*Local, error) {
	return &Local{dir: dir, maxBytes: maxBytes, now: time.Now}, nil
}

// Dir is the folder of the store.
func (l *Local) Dir() string { return l.dir }

func (l *Local) path(key string) string { return filepath.Join(l.dir, key[:2], key) }

// Has reports whether the entry file exists.
func (l *Local) Has(_ context.Context, key string) (bool, error) {
	if !validKey(key) {
		return false, fmt.Errorf("invalid cache key %q", key)
	}
	_, err := os.Stat(l.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Get opens the entry and marks it used now.
func (l *Local) Get(_ context.Context, key string) (io.ReadCloser, error) {
	if !validKey(key) {
		return nil, fmt.Errorf("invalid cache key %q", key)
	}
	p := l.path(key)
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	now := l.now()
	_ = os.Chtimes(p, now, now) // best effort: only the eviction order suffers
	l.mu.Lock()
	if e, ok := l.index[key]; ok {
		e.used = now
	}
	l.mu.Unlock()
	return f, nil
}

// touchEvery is how stale the used mark of an entry may get before Touch
// renews it: eviction order is approximate to within this, and a no-op run
// that touches entries marked recently writes nothing to the folder.
const touchEvery = time.Hour

// Touch reports whether the entry of key exists and marks it used, unless
// it was marked within touchEvery. It reads no content: a caller that knows
// what the entry holds (the runner's record of its last results) uses it in
// place of Get.
func (l *Local) Touch(_ context.Context, key string) (bool, error) {
	if !validKey(key) {
		return false, fmt.Errorf("invalid cache key %q", key)
	}
	p := l.path(key)
	info, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	now := l.now()
	if now.Sub(info.ModTime()) < touchEvery {
		return true, nil
	}
	_ = os.Chtimes(p, now, now) // best effort, as in Get
	l.mu.Lock()
	if e, ok := l.index[key]; ok {
		e.used = now
	}
	l.mu.Unlock()
	return true, nil
}

// Put writes the entry atomically (temporary file, then rename) and evicts
// the least recently used entries beyond the size bound.
func (l *Local) Put(_ context.Context, key string, r io.Reader) error {
	if !validKey(key) {
		return fmt.Errorf("invalid cache key %q", key)
	}
	p := l.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("create cache folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return fmt.Errorf("write cache entry: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	var src io.Reader = r
	if l.maxBytes > 0 {
		src = io.LimitReader(r, l.maxBytes+1)
	}
	n, err := io.Copy(tmp, src)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write cache entry: %w", err)
	}
	if l.maxBytes > 0 && n > l.maxBytes {
		return ErrTooLarge
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("write cache entry: %w", err)
	}
	now := l.now()
	_ = os.Chtimes(p, now, now)

	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.scanLocked(); err != nil {
		return err
	}
	if old, ok := l.index[key]; ok {
		l.total -= old.size
	}
	l.index[key] = &localEntry{key: key, size: n, used: now}
	l.total += n
	return l.evictLocked(key)
}

// Size returns the total size of the stored entries in bytes.
func (l *Local) Size() (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.scanLocked(); err != nil {
		return 0, err
	}
	return l.total, nil
}

// scanLocked builds the index from the folder once.
func (l *Local) scanLocked() error {
	if l.index != nil || l.scanErr != nil {
		return l.scanErr
	}
	index := map[string]*localEntry{}
	var total int64
	shards, err := os.ReadDir(l.dir)
	if errors.Is(err, fs.ErrNotExist) {
		shards, err = nil, nil // nothing stored yet
	}
	if err != nil {
		l.scanErr = fmt.Errorf("scan cache: %w", err)
		return l.scanErr
	}
	for _, s := range shards {
		if !s.IsDir() || len(s.Name()) != 2 {
			continue
		}
		files, err := os.ReadDir(filepath.Join(l.dir, s.Name()))
		if err != nil {
			continue
		}
		for _, f := range files {
			if !validKey(f.Name()) {
				continue
			}
			info, err := f.Info()
			if err != nil {
				continue
			}
			index[f.Name()] = &localEntry{key: f.Name(), size: info.Size(), used: info.ModTime()}
			total += info.Size()
		}
	}
	l.index, l.total = index, total
	return nil
}

// evictLocked removes least recently used entries, never keep, until the
// store fits its bound.
func (l *Local) evictLocked(keep string) error {
	if l.maxBytes <= 0 || l.total <= l.maxBytes {
		return nil
	}
	entries := make([]*localEntry, 0, len(l.index))
	for _, e := range l.index {
		if e.key != keep {
			entries = append(entries, e)
		}
	}
	sort.Slice(entries, func(i, j int) bool {
		if !entries[i].used.Equal(entries[j].used) {
			return entries[i].used.Before(entries[j].used)
		}
		return entries[i].key < entries[j].key
	})
	for _, e := range entries {
		if l.total <= l.maxBytes {
			break
		}
		if err := os.Remove(l.path(e.key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("evict cache entry: %w", err)
		}
		delete(l.index, e.key)
		l.total -= e.size
	}
	return nil
}
