package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	gcblob "gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"

	"github.com/acme/platform/libs/cloud"
)

// Bucket is a Store over a gocloud.dev bucket.
type Bucket struct {
	b   *gcblob.Bucket
	res cloud.Resource
	// link makes the PresignGet URL where the driver cannot sign one
	// (fileblob without a signing server, memblob); nil asks the driver.
	link func(key string, expires time.Time) string
	// own reports keys that name the driver's own files (fileblob's
	// sidecars and in-flight temporary files): never written, read or
	// listed as objects.
	own func(key string) bool
}

// NewS3 returns the store named logical over bucket, every key under
// prefix. The client comes from NewS3Client.
func NewS3(ctx context.Context, client *s3.Client, logical, bucket, prefix string) (*Bucket, error) {
	res := cloud.Resource{Kind: "blob store", Logical: logical, Physical: "s3://" + bucket + "/" + prefix}
	b, err := s3blob.OpenBucket(ctx, client, bucket, nil)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", res, err)
	}
	if prefix != "" {
		b = gcblob.PrefixedBucket(b, prefix)
	}
	return &Bucket{b: b, res: res}, nil
}

// fileblob writes an object to <path>.<hex time>.tmp and renames it; its
// content type goes to <path>.attrs.
var fileblobOwn = regexp.MustCompile(`(\.attrs|\.[0-9a-f]{12,}\.tmp)$`)

// NewFolder returns the store named logical over dir, creating dir. Writes
// go to a temporary file next to the object and a rename, so readers never
// see half an object and the rename never crosses file systems.
func NewFolder(logical, dir string) (*Bucket, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	res := cloud.Resource{Kind: "blob store", Logical: logical, Physical: abs}
	b, err := fileblob.OpenBucket(abs, &fileblob.Options{CreateDir: true, DirFileMode: 0o755, NoTempDir: true})
	if err != nil {
		return nil, res.Missing(err)
	}
	link := func(key string, expires time.Time) string {
		// On a developer's machine the file itself is the link; the
		// expiry is informational.
		u := url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(abs, filepath.FromSlash(key))), RawQuery: expiresQuery(expires)}
		return u.String()
	}
	return &Bucket{b: b, res: res, link: link, own: fileblobOwn.MatchString}, nil
}

// NewMemory returns an empty store named logical, for tests.
func NewMemory(logical string) *Bucket {
	link := func(key string, expires time.Time) string {
		u := url.URL{Scheme: "memory", Host: logical, Path: "/" + key, RawQuery: expiresQuery(expires)} // nothing serves it
		return u.String()
	}
	return &Bucket{b: memblob.OpenBucket(nil), res: cloud.Resource{Kind: "blob store", Logical: logical, Physical: "memory"}, link: link}
}

func expiresQuery(t time.Time) string {
	return url.Values{"expires": {t.UTC().Format(time.RFC3339)}}.Encode()
}

// check rejects keys that cannot be stored the same way everywhere.
func (b *Bucket) check(key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if b.own != nil && b.own(key) {
		return fmt.Errorf("%w: blob key %q: the name is reserved in %s", cloud.ErrInvalid, key, b.res)
	}
	return nil
}

// Put implements Store. An object appears whole or not at all.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) error {
	if err := b.check(key); err != nil {
		return err
	}
	err := b.b.Upload(ctx, key, r, &gcblob.WriterOptions{ContentType: contentType(opts.ContentType)})
	return b.err("put", key, err)
}

// Get implements Store.
func (b *Bucket) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := b.check(key); err != nil {
		return nil, Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, err
	}
	r, err := b.b.NewReader(ctx, key, nil)
	if err != nil {
		return nil, Info{}, b.err("get", key, err)
	}
	return r, Info{Key: key, Size: r.Size(), ContentType: r.ContentType(), Modified: r.ModTime().UTC()}, nil
}

// List implements Store.
func (b *Bucket) List(ctx context.Context, prefix string) ([]Info, error) {
	out := []Info{}
	it := b.b.List(&gcblob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, b.err("list", prefix, err)
		}
		if b.own != nil && b.own(obj.Key) {
			continue
		}
		info := Info{Key: obj.Key, Size: obj.Size, Modified: obj.ModTime.UTC()}
		// Listings carry no content type; ask for each (lists are short).
		if a, err := b.b.Attributes(ctx, obj.Key); err == nil {
			info.ContentType = a.ContentType
		}
		out = append(out, info)
	}
	return sortInfos(out), nil
}

// Delete implements Store.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := b.check(key); err != nil {
		return err
	}
	err := b.b.Delete(ctx, key)
	if err != nil && !noSuchBucket(err) && gcerrors.Code(err) == gcerrors.NotFound {
		// A missing key is done, unless the bucket itself is missing
		// (S3 answers a HEAD on either with a bare 404).
		if ok, aerr := b.b.IsAccessible(ctx); aerr == nil && !ok {
			return b.res.Missing(nil)
		}
		return nil
	}
	return b.err("delete", key, err)
}

// PresignGet implements Store: a SigV4 URL on S3; for a folder, a file://
// URL (the file itself); for memory a memory:// URL nothing serves.
func (b *Bucket) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := b.check(key); err != nil {
		return "", err
	}
	if err := checkTTL(ttl); err != nil {
		return "", err
	}
	if b.link != nil {
		return b.link(key, time.Now().Add(ttl)), nil
	}
	u, err := b.b.SignedURL(ctx, key, &gcblob.SignedURLOptions{Expiry: ttl})
	return u, b.err("presign", key, err)
}

// err maps driver errors onto the cloud sentinels, naming the logical store
// and where it lives.
func (b *Bucket) err(op, key string, err error) error {
	switch {
	case err == nil:
		return nil
	case noSuchBucket(err):
		return b.res.Missing(nil)
	case gcerrors.Code(err) == gcerrors.NotFound:
		return fmt.Errorf("%w: blob %q in %s", cloud.ErrNotFound, key, b.res)
	}
	return fmt.Errorf("%s %q in %s: %w", op, key, b.res, err)
}

func noSuchBucket(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "NoSuchBucket"
}
