package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// Warning is an error that comes with a usable result: the remote store
// failed and the local one answered. A Warning from Get is a miss
// (errors.Is(err, ErrNotFound)); from Put it means the entry is stored
// locally; from Has that the answer (false) is the local one. Show it, go on.
type Warning struct {
	msg  string
	miss bool
}

// Error returns the message: what failed, in which store, for which key.
func (w *Warning) Error() string { return w.msg }

// Is makes a Warning from Get match ErrNotFound.
func (w *Warning) Is(target error) bool { return w.miss && target == ErrNotFound }

// DefaultRemoteTimeout bounds each call to the remote store, retries and
// transfer included.
const DefaultRemoteTimeout = 30 * time.Second

// TieredOptions configure a Tiered store.
type TieredOptions struct {
	// Write stores entries in the remote too (CI); false only reads.
	Write bool
	// Timeout bounds each remote call; 0 means DefaultRemoteTimeout.
	Timeout time.Duration
}

var _ Store = (*Tiered)(nil)

// Tiered is the local store in front of a remote one. Get asks the local
// store first, then the remote, and copies a remote hit into the local
// store, verifying it on the way (a corrupt entry is a miss with a
// Warning). Put writes locally, then, with Write, to the remote. The first
// remote failure other than a missing or corrupt entry (unreachable,
// denied, no bucket, timeout) is returned once as a Warning; the store then
// works on the local store only.
type Tiered struct {
	local  Store
	remote *Remote
	o      TieredOptions
	down   atomic.Bool
}

// NewTiered returns local in front of remote.
func NewTiered(local Store, remote *Remote, o TieredOptions) *Tiered {
	if o.Timeout <= 0 {
		o.Timeout = DefaultRemoteTimeout
	}
	return &Tiered{local: local, remote: remote, o: o}
}

// Has reports whether either store holds key; nothing is copied.
func (t *Tiered) Has(ctx context.Context, key string) (bool, error) {
	ok, err := t.local.Has(ctx, key)
	if ok || err != nil || t.down.Load() {
		return ok, err
	}
	rctx, cancel := context.WithTimeout(ctx, t.o.Timeout)
	defer cancel()
	ok, err = t.remote.Has(rctx, key)
	if err != nil {
		return false, t.remoteErr(ctx, err, false)
	}
	return ok, nil
}

// Get returns the local entry of key, fetching it from the remote first
// when only the remote holds it.
func (t *Tiered) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := t.local.Get(ctx, key)
	if !errors.Is(err, ErrNotFound) || t.down.Load() {
		return rc, err
	}
	if err := t.fetch(ctx, key); err != nil {
		return nil, err
	}
	return t.local.Get(ctx, key)
}

// Touch touches the local entry of key (see Local.Touch); the remote store
// is not asked: a caller falls back to Get, which fetches it.
func (t *Tiered) Touch(ctx context.Context, key string) (bool, error) {
	if l, ok := t.local.(Toucher); ok {
		return l.Touch(ctx, key)
	}
	return false, nil
}

// fetch copies the remote entry of key into the local store; the local
// store keeps it only when it was read whole and its digest matched.
func (t *Tiered) fetch(ctx context.Context, key string) error {
	rctx, cancel := context.WithTimeout(ctx, t.o.Timeout)
	defer cancel()
	rc, err := t.remote.Get(rctx, key)
	if err != nil {
		return t.remoteErr(ctx, err, true)
	}
	defer rc.Close()
	src := &tagReader{r: rc}
	if err := t.local.Put(ctx, key, src); err != nil {
		if src.err != nil {
			return t.remoteErr(ctx, src.err, true)
		}
		return err
	}
	return nil
}

// Put stores the entry locally and, with Write, in the remote.
func (t *Tiered) Put(ctx context.Context, key string, r io.Reader) error {
	if err := t.local.Put(ctx, key, r); err != nil {
		return err
	}
	if !t.o.Write || t.down.Load() {
		return nil
	}
	rc, err := t.local.Get(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	rctx, cancel := context.WithTimeout(ctx, t.o.Timeout)
	defer cancel()
	if err := t.remote.Put(rctx, key, rc); err != nil {
		return t.remoteErr(ctx, err, false)
	}
	return nil
}

// remoteErr turns a remote failure into the result of the call: for Get
// (miss) a miss, for Has and Put no error, either with a Warning when there
// is something to say; or the cancellation of the run.
func (t *Tiered) remoteErr(ctx context.Context, err error, miss bool) error {
	var quiet error
	if miss {
		quiet = ErrNotFound
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return quiet
	case errors.Is(err, ErrCorrupt):
		return &Warning{miss: miss, msg: fmt.Sprintf("remote cache %s: %v; running the task instead", t.remote, err)}
	case ctx.Err() != nil:
		return ctx.Err()
	case t.down.CompareAndSwap(false, true):
		return &Warning{miss: miss, msg: fmt.Sprintf("remote cache %s unreachable (%v); using the local cache only for the rest of this run", t.remote, err)}
	default:
		return quiet // reported by the call that found it down
	}
}

// tagReader remembers the error its source returned, so that a failed copy
// tells a remote failure from a local one.
type tagReader struct {
	r   io.Reader
	err error
}

func (t *tagReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && t.err == nil {
		t.err = err
	}
	return n, err
}
