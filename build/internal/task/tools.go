package task

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ToolMissing is the version of a tool that is not on PATH.
const ToolMissing = "not found"

// Tools finds the versions of the tools tasks declare. A version is asked
// once per binary (`<tool> --version`, else `<tool> version`) and
// remembered in a memo file keyed by the binary's path, size and
// modification time, so a run that finds everything cached spawns nothing.
type Tools struct {
	file   string
	getenv func(string) string

	mu        sync.Mutex
	persisted map[string]string // path|size|mtime -> version
	dirty     bool
	byName    map[string]*toolVersion
}

type toolVersion struct {
	once    sync.Once
	version string
}

// NewTools returns a tool prober that persists versions in memoFile ("" for
// none) and reads PATH through getenv.
func NewTools(memoFile string, getenv func(string) string) *Tools {
	t := &Tools{file: memoFile, getenv: getenv, persisted: map[string]string{}, byName: map[string]*toolVersion{}}
	if memoFile != "" {
		if data, err := os.ReadFile(memoFile); err == nil {
			_ = json.Unmarshal(data, &t.persisted) // a bad memo is an empty one
		}
	}
	return t
}

// Version returns the first line of the tool's version output, or
// ToolMissing.
func (t *Tools) Version(ctx context.Context, name string) string {
	t.mu.Lock()
	tv, ok := t.byName[name]
	if !ok {
		tv = &toolVersion{}
		t.byName[name] = tv
	}
	t.mu.Unlock()
	tv.once.Do(func() { tv.version = t.probe(ctx, name) })
	return tv.version
}

func (t *Tools) probe(ctx context.Context, name string) string {
	bin, info := lookPath(name, t.getenv("PATH"))
	if bin == "" {
		return ToolMissing
	}
	key := fmt.Sprintf("%s|%d|%d", bin, info.Size(), info.ModTime().UnixNano())
	t.mu.Lock()
	v, ok := t.persisted[key]
	t.mu.Unlock()
	if ok {
		return v
	}
	v = askVersion(ctx, bin)
	t.mu.Lock()
	t.persisted[key] = v
	t.dirty = true
	t.mu.Unlock()
	return v
}

// askVersion runs the binary to learn its version.
func askVersion(ctx context.Context, bin string) string {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for _, arg := range []string{"--version", "version"} {
		out, err := exec.CommandContext(ctx, bin, arg).CombinedOutput()
		if err != nil {
			continue
		}
		line, _, _ := strings.Cut(string(bytes.TrimSpace(out)), "\n")
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return "unknown (" + bin + ")"
}

// lookPath finds an executable in the PATH list.
func lookPath(name, pathList string) (string, os.FileInfo) {
	if strings.Contains(name, "/") {
		if info, err := os.Stat(name); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			abs, _ := filepath.Abs(name)
			return abs, info
		}
		return "", nil
	}
	for _, dir := range filepath.SplitList(pathList) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			abs, _ := filepath.Abs(p)
			return abs, info
		}
	}
	return "", nil
}

// Save writes the memo file when it changed.
func (t *Tools) Save() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.file == "" || !t.dirty {
		return nil
	}
	data, err := json.MarshalIndent(t.persisted, "", "  ")
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(t.file, data); err != nil {
		return fmt.Errorf("save tool versions: %w", err)
	}
	t.dirty = false
	return nil
}

// WriteFileAtomic writes data to a temporary file beside file and renames
// it into place, creating the folder: a reader sees the old content or the
// new, never half of it.
func WriteFileAtomic(file string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}
