package config

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Versioned is a resolved value with the version that identifies it: the
// Secrets Manager version id, the SSM parameter version, or a content hash
// for files. The value is a Secret whatever it holds, so that nothing
// resolved is printed by accident.
type Versioned struct {
	Value   Secret
	Version string
}

// SecretProvider fetches a secret by name (without the environment prefix,
// which the provider adds). Implementations: SecretsManager, FileSecrets.
type SecretProvider interface {
	GetSecret(ctx context.Context, name string) (Versioned, error)
}

// ParamProvider fetches a parameter by its full path. Implementation:
// ParameterStore.
type ParamProvider interface {
	GetParameter(ctx context.Context, path string) (Versioned, error)
}

// ResolverOptions configure a Resolver.
type ResolverOptions struct {
	// Secrets serves secret:// and Params ssm://; nil means such references
	// fail.
	Secrets SecretProvider
	Params  ParamProvider
	// Files serves relative file:// paths (the configuration folder);
	// absolute paths are read from the operating system.
	Files fs.FS
	// TTL is how long a resolved value is reused (default 5m; negative: no
	// cache).
	TTL time.Duration
	// Timeout bounds one provider call (default 10s).
	Timeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives debug lines (reference and version, never a value).
	Logger *slog.Logger
}

// Resolver resolves references through the providers and caches what they
// return for a TTL. It is safe for concurrent use.
type Resolver struct {
	opts  ResolverOptions
	mu    sync.Mutex
	cache map[string]cached
	down  map[RefKind]downState
}

type cached struct {
	v  Versioned
	at time.Time
}

type downState struct {
	err    error
	source string // the source whose fetch failed
	shown  string // that source as people write it
	until  time.Time
}

// downFor is how long a provider that could not be reached is not asked
// again, so that a run with many references fails fast instead of waiting a
// timeout for each.
const downFor = 15 * time.Second

// NewResolver returns a Resolver.
func NewResolver(o ResolverOptions) *Resolver {
	if o.TTL == 0 {
		o.TTL = 5 * time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Resolver{opts: o, cache: map[string]cached{}, down: map[RefKind]downState{}}
}

// Resolve returns the value ref names, from the cache while it is fresh.
func (r *Resolver) Resolve(ctx context.Context, ref Ref) (Versioned, error) {
	src, err := r.source(ctx, ref, false)
	if err != nil {
		return Versioned{}, err
	}
	return pick(ref, src)
}

// source returns what the provider holds for ref (the whole secret), from
// the cache unless fresh is set or the entry is older than the TTL.
func (r *Resolver) source(ctx context.Context, ref Ref, fresh bool) (Versioned, error) {
	id := ref.source()
	now := r.opts.Now()
	r.mu.Lock()
	c, ok := r.cache[id]
	d := r.down[ref.Kind]
	r.mu.Unlock()
	if ok && !fresh && r.opts.TTL > 0 && now.Sub(c.at) < r.opts.TTL {
		return c.v, nil
	}
	if d.err != nil && now.Before(d.until) {
		if d.source == id {
			return Versioned{}, d.err
		}
		return Versioned{}, fmt.Errorf("%w: %s not asked: it could not be reached for %s just before", ErrUnavailable, ref.Kind, d.shown)
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	v, err := r.fetch(ctx, ref)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		if errors.Is(err, ErrUnavailable) {
			r.down[ref.Kind] = downState{err: err, source: id, shown: ref.Kind.String() + "://" + ref.Name, until: now.Add(downFor)}
		}
		return Versioned{}, err
	}
	delete(r.down, ref.Kind)
	r.cache[id] = cached{v: v, at: now}
	r.opts.Logger.Debug("config: resolved reference", "ref", ref.Kind.String()+"://"+ref.Name, "version", v.Version)
	return v, nil
}

func (r *Resolver) fetch(ctx context.Context, ref Ref) (Versioned, error) {
	switch ref.Kind {
	case RefSecret:
		if r.opts.Secrets == nil {
			return Versioned{}, fmt.Errorf("%w: no secret provider", ErrUnavailable)
		}
		return r.opts.Secrets.GetSecret(ctx, ref.Name)
	case RefSSM:
		if r.opts.Params == nil {
			return Versioned{}, fmt.Errorf("%w: no parameter provider", ErrUnavailable)
		}
		return r.opts.Params.GetParameter(ctx, ref.Name)
	case RefFile:
		return readFileRef(r.opts.Files, ref.Name)
	}
	return Versioned{}, fmt.Errorf("unknown reference kind %v", ref.Kind)
}

// pick selects the key of a secret that holds a JSON object.
func pick(ref Ref, src Versioned) (Versioned, error) {
	if ref.Key == "" {
		return src, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(src.Value.Reveal()), &obj); err != nil {
		return Versioned{}, fmt.Errorf("%w: secret %s is not a JSON object, so it has no key %q", ErrInvalid, ref.Name, ref.Key)
	}
	raw, ok := obj[ref.Key]
	if !ok {
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		msg := fmt.Sprintf("secret %s has no key %q", ref.Name, ref.Key)
		if s := closest(ref.Key, keys); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return Versioned{}, fmt.Errorf("%w: %s", ErrNotFound, msg)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw) // a number or boolean: its JSON text
	}
	return Versioned{Value: NewSecret(s), Version: src.Version}, nil
}

// Watch polls ref every interval, past the cache, and sends the value each
// time its version differs from the last one seen (initially since). The
// channel has room for one value; a slow reader gets the newest. It is closed
// when ctx ends. Poll errors are logged and retried at the next tick.
func (r *Resolver) Watch(ctx context.Context, ref Ref, since string, every time.Duration) <-chan Versioned {
	if every <= 0 {
		every = time.Minute
	}
	ch := make(chan Versioned, 1)
	go func() {
		defer close(ch)
		t := time.NewTicker(every)
		defer t.Stop()
		last := since
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			src, err := r.source(ctx, ref, true)
			if err == nil {
				var v Versioned
				if v, err = pick(ref, src); err == nil && v.Version != last {
					last = v.Version
					select { // replace an unread older value
					case <-ch:
					default:
					}
					ch <- v
					r.opts.Logger.Info("config: reference changed", "ref", ref.Raw, "version", v.Version)
				}
			}
			if err != nil && ctx.Err() == nil {
				r.opts.Logger.Warn("config: watch", "ref", ref.Raw, "err", err)
			}
		}
	}()
	return ch
}

// readFileRef reads a file:// reference: relative paths from files, absolute
// ones from the operating system. One trailing newline is dropped.
func readFileRef(files fs.FS, path string) (Versioned, error) {
	var data []byte
	var err error
	switch {
	case filepath.IsAbs(path):
		data, err = os.ReadFile(path)
	case files != nil:
		data, err = fs.ReadFile(files, filepath.ToSlash(filepath.Clean(path)))
	default:
		err = fs.ErrNotExist
	}
	if errors.Is(err, fs.ErrNotExist) {
		return Versioned{}, fmt.Errorf("%w: file %s does not exist", ErrNotFound, path)
	}
	if err != nil {
		return Versioned{}, fmt.Errorf("read %s: %w", path, err)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
	return Versioned{Value: NewSecret(s), Version: contentVersion([]byte(s))}, nil
}

// contentVersion names content by a short hash.
func contentVersion(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}
