package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/cloud/blob"
)

// ErrCorrupt is returned (wrapped, naming the key) while reading a remote
// entry whose bytes do not match the digest stored with it.
var ErrCorrupt = errors.New("corrupt cache entry")

// Objects is the part of a blob store (libs/cloud/blob) a Remote uses.
type Objects interface {
	Put(ctx context.Context, key string, r io.Reader, opts blob.PutOptions) error
	Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error)
}

var _ Store = (*Remote)(nil)

// Remote is a Store over a blob store, one object per key. Each object is
// the entry followed by a trailer of trailerLen bytes: the magic
// "monosum1", the entry's length (8 bytes, big-endian) and its SHA-256
// (32 bytes). Get verifies both while the entry is read: a reader of a
// corrupt or truncated object fails with ErrCorrupt at its end, so read
// the entry to the end before trusting it (Tiered does).
type Remote struct {
	objs Objects
	name string
}

const (
	trailerMagic = "monosum1"
	trailerLen   = len(trailerMagic) + 8 + sha256.Size
)

// NewRemote returns a store over objs; name says where it is in messages
// (s3://bucket/prefix).
func NewRemote(objs Objects, name string) *Remote {
	return &Remote{objs: objs, name: name}
}

// String returns the name of the store.
func (r *Remote) String() string { return r.name }

// Has reports whether the object of key exists. It opens the object and
// closes it unread (blob stores offer no cheaper question).
func (r *Remote) Has(ctx context.Context, key string) (bool, error) {
	rc, err := r.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	rc.Close()
	return true, nil
}

// Get opens the entry of key; the reader verifies the trailer at its end.
func (r *Remote) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if !validKey(key) {
		return nil, fmt.Errorf("invalid cache key %q", key)
	}
	rc, info, err := r.objs.Get(ctx, key)
	if errors.Is(err, cloud.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	v := &verifier{rc: rc, key: key, left: info.Size - int64(trailerLen), h: sha256.New()}
	if v.left < 0 {
		rc.Close()
		return nil, v.corrupt(fmt.Sprintf("%d bytes, shorter than its trailer", info.Size))
	}
	return v, nil
}

// Put stores the entry read from r with its trailer.
func (r *Remote) Put(ctx context.Context, key string, src io.Reader) error {
	if !validKey(key) {
		return fmt.Errorf("invalid cache key %q", key)
	}
	h := sha256.New()
	counted := &countingReader{r: io.TeeReader(src, h)}
	body := io.MultiReader(counted, &lazyReader{fill: func() []byte { return trailer(counted.n, h) }})
	return r.objs.Put(ctx, key, body, blob.PutOptions{})
}

func trailer(n int64, h hash.Hash) []byte {
	b := make([]byte, 0, trailerLen)
	b = append(b, trailerMagic...)
	b = binary.BigEndian.AppendUint64(b, uint64(n))
	return h.Sum(b)
}

// verifier reads the entry part of a remote object, hashing it, and checks
// the trailer before it reports the end.
type verifier struct {
	rc   io.ReadCloser
	key  string
	left int64 // entry bytes not yet read
	n    int64
	h    hash.Hash
	err  error // the final result once the trailer was read
}

func (v *verifier) corrupt(why string) error {
	return fmt.Errorf("%w %s: %s", ErrCorrupt, v.key, why)
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.left > 0 {
		if int64(len(p)) > v.left {
			p = p[:v.left]
		}
		n, err := v.rc.Read(p)
		v.h.Write(p[:n])
		v.left -= int64(n)
		v.n += int64(n)
		if errors.Is(err, io.EOF) && v.left > 0 {
			return n, v.corrupt("truncated")
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return n, err
		}
		return n, nil
	}
	if v.err == nil {
		v.err = v.check()
	}
	return 0, v.err
}

// check reads the trailer and compares it with what was read.
func (v *verifier) check() error {
	var t [trailerLen]byte
	if _, err := io.ReadFull(v.rc, t[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return v.corrupt("truncated trailer")
		}
		return err
	}
	if string(t[:len(trailerMagic)]) != trailerMagic {
		return v.corrupt("no digest trailer (truncated or not written by mono)")
	}
	if n := binary.BigEndian.Uint64(t[len(trailerMagic):]); n != uint64(v.n) {
		return v.corrupt(fmt.Sprintf("length %d, trailer says %d", v.n, n))
	}
	if want := t[len(trailerMagic)+8:]; !bytes.Equal(v.h.Sum(nil), want) {
		return v.corrupt("sha-256 differs from the stored digest")
	}
	return io.EOF
}

func (v *verifier) Close() error { return v.rc.Close() }

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// lazyReader reads the bytes fill returns when it is first read.
type lazyReader struct {
	fill func() []byte
	r    *bytes.Reader
}

func (l *lazyReader) Read(p []byte) (int, error) {
	if l.r == nil {
		l.r = bytes.NewReader(l.fill())
	}
	return l.r.Read(p)
}
