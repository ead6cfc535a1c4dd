package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/acme/platform/libs/cloud"
)

// Folder is a blob store in a local folder: an object is a file under the
// folder, its content type a sidecar file in .meta/. For the local
// environment.
type Folder struct {
	name string
	dir  string
}

const metaDir = ".meta"

// NewFolder returns the store named name over dir, creating dir.
func NewFolder(name, dir string) (*Folder, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, cloud.Resource{Kind: "blob store", Logical: name, Physical: abs}.Missing(err)
	}
	return &Folder{name: name, dir: abs}, nil
}

func (f *Folder) path(key string) string { return filepath.Join(f.dir, filepath.FromSlash(key)) }

func (f *Folder) metaPath(key string) string {
	return filepath.Join(f.dir, metaDir, filepath.FromSlash(key)+".type")
}

// Put implements Store: it writes a temporary file and renames it, so a
// reader never sees half an object.
func (f *Folder) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if strings.HasPrefix(key, metaDir+"/") {
		return fmt.Errorf("%w: blob key %q: %s/ is reserved", cloud.ErrInvalid, key, metaDir)
	}
	p := f.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("put %s in %s: %w", key, f.dir, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return fmt.Errorf("put %s in %s: %w", key, f.dir, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, ctxReader{ctx, r}); err != nil {
		tmp.Close()
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(f.metaPath(key)), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(f.metaPath(key), []byte(contentType(opts.ContentType)), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// Get implements Store.
func (f *Folder) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := checkKey(key); err != nil {
		return nil, Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, err
	}
	file, err := os.Open(f.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Info{}, fmt.Errorf("%w: blob %q in store %q (%s)", cloud.ErrNotFound, key, f.name, f.dir)
	}
	if err != nil {
		return nil, Info{}, err
	}
	st, err := file.Stat()
	if err != nil || st.IsDir() {
		file.Close()
		return nil, Info{}, fmt.Errorf("%w: blob %q in store %q (%s)", cloud.ErrNotFound, key, f.name, f.dir)
	}
	return file, f.info(key, st), nil
}

func (f *Folder) info(key string, st fs.FileInfo) Info {
	ct, err := os.ReadFile(f.metaPath(key))
	if err != nil {
		ct = []byte(contentType(""))
	}
	return Info{Key: key, Size: st.Size(), ContentType: string(ct), Modified: st.ModTime().UTC()}
}

// List implements Store.
func (f *Folder) List(ctx context.Context, prefix string) ([]Info, error) {
	out := []Info{}
	err := filepath.WalkDir(f.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(f.dir, p)
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			if key == metaDir {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(d.Name(), ".put-") || !strings.HasPrefix(key, prefix) {
			return nil
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, f.info(key, st))
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, cloud.Resource{Kind: "blob store", Logical: f.name, Physical: f.dir}.Missing(err)
	}
	if err != nil {
		return nil, err
	}
	return sortInfos(out), nil
}

// Delete implements Store.
func (f *Folder) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_ = os.Remove(f.metaPath(key))
	if err := os.Remove(f.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s from %s: %w", key, f.dir, err)
	}
	return nil
}

// PresignGet implements Store with a file:// URL: on a developer's machine
// the file itself is the link. The expiry is informational.
func (f *Folder) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if err := checkTTL(ttl); err != nil {
		return "", err
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(f.path(key)), RawQuery: url.Values{"expires": {time.Now().Add(ttl).UTC().Format(time.RFC3339)}}.Encode()}
	return u.String(), nil
}

// ctxReader stops a copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
