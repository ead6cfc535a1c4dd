// Package cache keeps the results of successful tasks by content key: a
// Store holds opaque entries (one archive per key), and the entry format
// (entry.go) packs a task's metadata, log and output files into one stream,
// so a remote store only has to move bytes. Local keeps entries in a
// folder, Remote in a blob store (S3) with a digest checked on read, and
// Tiered puts the local store in front of the remote one.
package cache

import (
	"context"
	"errors"
	"io"
)

// ErrNotFound is returned by Get for a key the store does not hold.
var ErrNotFound = errors.New("cache entry not found")

// ErrTooLarge is returned by Put for an entry larger than the store's bound.
var ErrTooLarge = errors.New("cache entry larger than the cache size bound")

// Store keeps entries by key. Keys are lowercase hex digests.
type Store interface {
	// Has reports whether the store holds key, without reading it.
	Has(ctx context.Context, key string) (bool, error)
	// Get opens the entry of key; it returns ErrNotFound when there is none.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Put stores the entry read from r under key, replacing any previous one.
	Put(ctx context.Context, key string, r io.Reader) error
}

// validKey reports whether key is safe to use as a file or object name.
func validKey(key string) bool {
	if len(key) < 8 || len(key) > 128 {
		return false
	}
	for _, c := range key {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Toucher is a Store that can confirm an entry and mark it used without
// reading it (Local, and Tiered through its local store).
type Toucher interface {
	Touch(ctx context.Context, key string) (bool, error)
}
