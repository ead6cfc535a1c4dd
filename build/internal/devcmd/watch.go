package devcmd

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounce is how long the tree must be quiet before a rebuild: editors
// write a file in several steps, and a save may touch several files.
const debounce = 300 * time.Millisecond

// watchSet says which folders belong to which program.
type watchSet struct {
	config string              // the configuration folder: every program
	dirs   map[string][]string // folder -> programs
}

// affected returns the programs a change to file touches, and whether the
// change is a migration.
func (w *watchSet) affected(file string) (names []string, migration bool) {
	if ignored(file) {
		return nil, false
	}
	dir := filepath.Dir(file)
	if dir == w.config || strings.HasPrefix(dir, w.config+string(filepath.Separator)) {
		return []string{"*"}, false
	}
	names = w.dirs[dir]
	return names, len(names) > 0 && strings.HasSuffix(file, ".sql") && strings.Contains(file, string(filepath.Separator)+"migrations"+string(filepath.Separator))
}

// ignored are files whose change rebuilds nothing: tests, editor droppings,
// hidden files.
func ignored(file string) bool {
	base := filepath.Base(file)
	return strings.HasPrefix(base, ".") || strings.HasSuffix(base, "~") || strings.HasSuffix(base, ".swp") ||
		strings.HasSuffix(base, "_test.go") || base == "4913" || strings.HasPrefix(base, "#")
}

// goDeps lists the folders of the module's packages that pkg is built from.
func goDeps(ctx context.Context, root string, environ []string, pkg string) ([]string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}{{end}}", pkg)
	cmd.Dir, cmd.Env = root, environ
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %v: %s", pkg, err, strings.TrimSpace(stderr.String()))
	}
	var dirs []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		d := sc.Text()
		if d == root || strings.HasPrefix(d, root+string(filepath.Separator)) {
			dirs = append(dirs, d)
		}
	}
	return dirs, nil
}

// folders returns dir and every folder under it, skipping state and
// dependency folders.
func folders(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		switch d.Name() {
		case "node_modules", ".git", ".mono", "__pycache__", ".venv", "testdata":
			return filepath.SkipDir
		}
		out = append(out, p)
		return nil
	})
	return out
}

// buildWatchSet maps folders to programs: a Go program's module packages
// plus every folder of its component (migrations, seed data, embedded
// files).
func (s *supervisor) buildWatchSet(ctx context.Context) (*watchSet, error) {
	ws := &watchSet{config: filepath.Join(s.env.Root, "config"), dirs: map[string][]string{}}
	if dir := envValue(s.env.Environ, "CONFIG_DIR"); dir != "" {
		ws.config = dir
	}
	for _, p := range s.procs {
		var dirs []string
		if p.prog.Pkg != "" {
			deps, err := goDeps(ctx, s.env.Root, s.env.Environ, p.prog.Pkg)
			if err != nil {
				return nil, err
			}
			dirs = append(dirs, deps...)
			dirs = append(dirs, folders(filepath.Join(s.env.Root, filepath.FromSlash(p.prog.Pkg)))...)
		}
		for _, w := range p.prog.Watch {
			dirs = append(dirs, folders(filepath.Join(s.env.Root, filepath.FromSlash(w)))...)
		}
		for _, d := range dirs {
			if !slices.Contains(ws.dirs[d], p.prog.Name) {
				ws.dirs[d] = append(ws.dirs[d], p.prog.Name)
			}
		}
	}
	return ws, nil
}

func envValue(environ []string, k string) string {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, k+"="); ok {
			return v
		}
	}
	return ""
}

// watch rebuilds and restarts programs whose files change, until ctx ends.
func (s *supervisor) watch(ctx context.Context) error {
	set, err := s.buildWatchSet(ctx)
	if err != nil {
		return err
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch files: %w", err)
	}
	defer w.Close()
	add := func(set *watchSet) {
		paths := []string{set.config}
		for d := range set.dirs {
			paths = append(paths, d)
		}
		for _, p := range paths {
			_ = w.Add(p) // a folder that vanished is not worth stopping for
		}
	}
	add(set)

	pending := map[string]bool{} // program -> migration changed
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-w.Errors:
			s.env.out.line("mono", fmt.Sprintf("file watch: %v", err))
		case ev := <-w.Events:
			if ev.Op == fsnotify.Chmod {
				continue
			}
			if ev.Op.Has(fsnotify.Create) {
				// A new folder inside a watched one: watch it too.
				if names, _ := set.affected(filepath.Join(ev.Name, "x")); len(names) == 0 {
					if parent, _ := set.affected(ev.Name); len(parent) > 0 {
						for _, d := range folders(ev.Name) {
							set.dirs[d] = parent
							_ = w.Add(d)
						}
					}
				}
			}
			names, migration := set.affected(ev.Name)
			for _, n := range names {
				if n == "*" {
					for _, p := range s.procs {
						pending[p.prog.Name] = pending[p.prog.Name] || false
					}
					continue
				}
				pending[n] = pending[n] || migration
			}
			if len(names) > 0 {
				timer.Reset(debounce)
			}
		case <-timer.C:
			for _, p := range s.procs {
				migration, ok := pending[p.prog.Name]
				if !ok {
					continue
				}
				s.env.out.line("mono", "change detected: rebuilding "+p.prog.Name)
				s.restart(ctx, p, migration && p.prog.Migrations)
			}
			clear(pending)
			// Imports may have changed: refresh the map.
			if fresh, err := s.buildWatchSet(ctx); err == nil {
				set = fresh
				add(set)
			}
		}
	}
}
