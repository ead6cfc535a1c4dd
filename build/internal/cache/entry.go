package cache

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Meta describes a stored task result. It is the first member of an entry,
// so a reader learns what the entry holds without reading the rest.
type Meta struct {
	Key       string        `json:"key"`
	Component string        `json:"component"`
	Target    string        `json:"target"`
	ExitCode  int           `json:"exitCode"`
	Duration  time.Duration `json:"duration"`
	Created   time.Time     `json:"created"`
	LogSize   int64         `json:"logSize"`
	Files     []File        `json:"files,omitempty"`
}

// File is one output file of a task.
type File struct {
	// Path is slash-separated and relative to the workspace root.
	Path string      `json:"path"`
	Mode fs.FileMode `json:"mode"`
	Size int64       `json:"size"`
	// Digest is the hex sha256 of the content (of the target for a link).
	Digest string `json:"digest"`
	// Link is the target of a symbolic link; empty for a regular file.
	Link string `json:"link,omitempty"`
}

const (
	metaName = "meta.json"
	logName  = "log"
	filesDir = "files/"
)

// WriteEntry writes an entry: meta, then the log, then every file of
// meta.Files read from below root.
func WriteEntry(w io.Writer, root string, meta Meta, log []byte) error {
	tw := tar.NewWriter(w)
	meta.LogSize = int64(len(log))
	mj, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	if err := writeMember(tw, metaName, mj); err != nil {
		return err
	}
	if err := writeMember(tw, logName, log); err != nil {
		return err
	}
	for _, f := range meta.Files {
		if err := writeFile(tw, root, f); err != nil {
			return err
		}
	}
	return tw.Close()
}

func writeMember(tw *tar.Writer, name string, data []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

func writeFile(tw *tar.Writer, root string, f File) error {
	name := filesDir + f.Path
	if f.Link != "" {
		return tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: f.Link, Mode: 0o777})
	}
	src, err := os.Open(filepath.Join(root, filepath.FromSlash(f.Path)))
	if err != nil {
		return fmt.Errorf("read output: %w", err)
	}
	defer src.Close()
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: int64(f.Mode.Perm()), Size: f.Size}); err != nil {
		return err
	}
	n, err := io.Copy(tw, io.LimitReader(src, f.Size))
	if err != nil {
		return fmt.Errorf("read output %s: %w", f.Path, err)
	}
	if n != f.Size {
		return fmt.Errorf("read output %s: file changed while it was stored", f.Path)
	}
	return nil
}

// Entry reads a stored entry in order: Meta is read by ReadEntry, then Log,
// then Restore.
type Entry struct {
	Meta    Meta
	tr      *tar.Reader
	logRead bool
}

// ReadEntry reads the meta of the entry in r.
func ReadEntry(r io.Reader) (*Entry, error) {
	tr := tar.NewReader(r)
	h, err := tr.Next()
	if err != nil || h.Name != metaName {
		return nil, fmt.Errorf("corrupt cache entry: no meta")
	}
	var e Entry
	if err := json.NewDecoder(tr).Decode(&e.Meta); err != nil {
		return nil, fmt.Errorf("corrupt cache entry: %w", err)
	}
	e.tr = tr
	return &e, nil
}

// Log reads the task's log; call it before Restore.
func (e *Entry) Log() ([]byte, error) {
	h, err := e.tr.Next()
	if err != nil || h.Name != logName {
		return nil, fmt.Errorf("corrupt cache entry: no log")
	}
	e.logRead = true
	return io.ReadAll(e.tr)
}

// Restore writes the entry's files below root, skipping those for which
// skip returns true (already up to date). Files are written to a temporary
// name and renamed, so a reader never sees half a file.
func (e *Entry) Restore(root string, skip func(File) bool) error {
	if !e.logRead {
		// Skip the log unread: tar seeks past it when it can.
		if h, err := e.tr.Next(); err != nil || h.Name != logName {
			return fmt.Errorf("corrupt cache entry: no log")
		}
		e.logRead = true
	}
	byPath := make(map[string]File, len(e.Meta.Files))
	for _, f := range e.Meta.Files {
		byPath[f.Path] = f
	}
	for {
		h, err := e.tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("corrupt cache entry: %w", err)
		}
		rel, ok := strings.CutPrefix(h.Name, filesDir)
		f, known := byPath[rel]
		if !ok || !known || !filepath.IsLocal(filepath.FromSlash(rel)) || path.Clean(rel) != rel {
			return fmt.Errorf("corrupt cache entry: unexpected member %q", h.Name)
		}
		if skip != nil && skip(f) {
			continue
		}
		if err := restoreFile(root, f, h, e.tr); err != nil {
			return err
		}
	}
}

func restoreFile(root string, f File, h *tar.Header, r io.Reader) error {
	dst := filepath.Join(root, filepath.FromSlash(f.Path))
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("restore %s: %w", f.Path, err)
	}
	if h.Typeflag == tar.TypeSymlink {
		_ = os.Remove(dst)
		if err := os.Symlink(h.Linkname, dst); err != nil {
			return fmt.Errorf("restore %s: %w", f.Path, err)
		}
		return nil
	}
	tmp, err := os.CreateTemp(dir, ".restore-*")
	if err != nil {
		return fmt.Errorf("restore %s: %w", f.Path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), f.Mode.Perm())
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		return fmt.Errorf("restore %s: %w", f.Path, err)
	}
	return nil
}
