// Package blob stores objects under keys: S3 in the cloud, a folder on a
// developer's machine, memory in tests. The drivers are gocloud.dev's
// (s3blob, fileblob, memblob); Bucket adds what the programs rely on over
// them: one key syntax, a default content type, sorted listings with
// content types, an idempotent Delete and errors that match the cloud
// sentinels. Open picks the driver from the configuration of a logical
// store name.
package blob

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/config/components"
)

// Store is a blob store. Keys are slash-separated paths ("daily-sales/2026-11-28.csv").
type Store interface {
	// Put writes the object key from r, replacing any object there.
	Put(ctx context.Context, key string, r io.Reader, opts PutOptions) error
	// Get opens the object key; the caller closes it. A missing key is
	// cloud.ErrNotFound.
	Get(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// List returns the objects whose keys start with prefix, sorted by key.
	List(ctx context.Context, prefix string) ([]Info, error)
	// Delete removes the object key; deleting a missing key is no error.
	Delete(ctx context.Context, key string) error
	// PresignGet returns a URL that reads the object for ttl without credentials.
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
}

// PutOptions describe an object being written.
type PutOptions struct {
	ContentType string
}

// Info describes a stored object.
type Info struct {
	Key         string
	Size        int64
	ContentType string
	Modified    time.Time
}

var _ Store = (*Bucket)(nil)

// Options are what Open needs besides the configuration.
type Options struct {
	// AWS is the SDK configuration for s3 stores (default credential chain,
	// endpoint override); see config.NewAWSConfig.
	AWS aws.Config
	// BaseDir resolves the relative dir of a local store (the repository root).
	BaseDir string
}

// Open returns the store behind the logical name as stores (shared.blobs of
// the configuration) maps it.
func Open(ctx context.Context, logical string, stores map[string]components.BlobStore, opts Options) (*Bucket, error) {
	cfg, ok := stores[logical]
	if !ok {
		return nil, fmt.Errorf("%w: blob store %q: add shared.blobs.%s to the configuration (configured: %s)", cloud.ErrNotConfigured, logical, logical, keys(stores))
	}
	switch cfg.Type {
	case "s3":
		return NewS3(ctx, NewS3Client(opts.AWS), logical, cfg.Bucket, cfg.Prefix)
	case "local":
		dir := cfg.Dir
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(opts.BaseDir, dir)
		}
		return NewFolder(logical, dir)
	case "memory":
		return NewMemory(logical), nil
	default:
		return nil, fmt.Errorf("%w: blob store %q: unknown type %q (s3, local, memory)", cloud.ErrInvalid, logical, cfg.Type)
	}
}

// NewS3Client returns an S3 client with the cloud retry policy; with an
// endpoint override (moto) it addresses buckets by path.
func NewS3Client(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.Retryer = cloud.Retryer()
		// cfg's RetryMaxAttempts (2 from config.NewAWSConfig, tuned for
		// configuration lookups) would otherwise cap the policy above.
		o.RetryMaxAttempts = 0
		o.UsePathStyle = cloud.UsesEmulator(cfg)
	})
}

// checkKey rejects keys that cannot be stored the same way everywhere.
func checkKey(key string) error {
	switch {
	case key == "", strings.HasPrefix(key, "/"), strings.HasSuffix(key, "/"):
		return fmt.Errorf("%w: blob key %q: must be non-empty and not start or end with /", cloud.ErrInvalid, key)
	case strings.Contains(key, "//"), strings.Contains("/"+key+"/", "/../"), strings.Contains("/"+key+"/", "/./"):
		return fmt.Errorf("%w: blob key %q: no empty, . or .. segments", cloud.ErrInvalid, key)
	}
	return nil
}

func checkTTL(ttl time.Duration) error {
	if ttl <= 0 || ttl > 7*24*time.Hour {
		return fmt.Errorf("%w: presign ttl %s: must be between 0 and 7 days", cloud.ErrInvalid, ttl)
	}
	return nil
}

func contentType(ct string) string {
	if ct == "" {
		return "application/octet-stream"
	}
	return ct
}

func sortInfos(in []Info) []Info {
	sort.Slice(in, func(i, j int) bool { return in[i].Key < in[j].Key })
	return in
}

func keys[V any](m map[string]V) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}
