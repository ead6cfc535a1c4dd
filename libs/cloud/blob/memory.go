package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/acme/platform/libs/cloud"
)

// Memory is a blob store in memory, for tests.
type Memory struct {
	name string
	mu   sync.RWMutex
	objs map[string]memObject
	now  func() time.Time
}

type memObject struct {
	data []byte
	info Info
}

// NewMemory returns an empty store named name.
func NewMemory(name string) *Memory {
	return &Memory{name: name, objs: map[string]memObject{}, now: time.Now}
}

// Put implements Store.
func (m *Memory) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) error {
	if err := checkKey(key); err != nil {
		return err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objs[key] = memObject{data: data, info: Info{Key: key, Size: int64(len(data)), ContentType: contentType(opts.ContentType), Modified: m.now().UTC()}}
	return nil
}

// Get implements Store.
func (m *Memory) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := checkKey(key); err != nil {
		return nil, Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	o, ok := m.objs[key]
	if !ok {
		return nil, Info{}, fmt.Errorf("%w: blob %q in store %q", cloud.ErrNotFound, key, m.name)
	}
	return io.NopCloser(bytes.NewReader(o.data)), o.info, nil
}

// List implements Store.
func (m *Memory) List(ctx context.Context, prefix string) ([]Info, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := []Info{}
	for k, o := range m.objs {
		if strings.HasPrefix(k, prefix) {
			out = append(out, o.info)
		}
	}
	return sortInfos(out), nil
}

// Delete implements Store.
func (m *Memory) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objs, key)
	return nil
}

// PresignGet implements Store with a memory:// URL (nothing serves it).
func (m *Memory) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if err := checkTTL(ttl); err != nil {
		return "", err
	}
	u := url.URL{Scheme: "memory", Host: m.name, Path: "/" + key, RawQuery: url.Values{"expires": {m.now().Add(ttl).UTC().Format(time.RFC3339)}}.Encode()}
	return u.String(), nil
}

func contentType(ct string) string {
	if ct == "" {
		return "application/octet-stream"
	}
	return ct
}
