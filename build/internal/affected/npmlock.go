package affected

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/acme/platform/build/internal/gitx"
	"github.com/acme/platform/build/internal/graph"
)

// lockEntry is one entry of package-lock.json's "packages" map (v2/v3).
type lockEntry struct {
	raw                  json.RawMessage
	Version              string            `json:"version"`
	Resolved             string            `json:"resolved"`
	Link                 bool              `json:"link"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
}

type lockfile map[string]*lockEntry

func readLock(ctx context.Context, repo *gitx.Repo, rev string) (lockfile, error) {
	data, err := repo.Read(ctx, rev, "package-lock.json")
	if errors.Is(err, fs.ErrNotExist) {
		return lockfile{}, nil
	}
	if err != nil {
		return nil, err
	}
	var doc struct {
		LockfileVersion int                        `json:"lockfileVersion"`
		Packages        map[string]json.RawMessage `json:"packages"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("package-lock.json at %s: %w", revName(rev), err)
	}
	if doc.LockfileVersion < 2 {
		return nil, fmt.Errorf("package-lock.json at %s: lockfileVersion %d is not supported; run npm install with npm 7 or newer to upgrade it", revName(rev), doc.LockfileVersion)
	}
	lf := make(lockfile, len(doc.Packages))
	for key, raw := range doc.Packages {
		e := &lockEntry{raw: raw}
		if err := json.Unmarshal(raw, e); err != nil {
			return nil, fmt.Errorf("package-lock.json at %s: packages[%q]: %w", revName(rev), key, err)
		}
		lf[key] = e
	}
	return lf, nil
}

// resolve finds the entry that a require of name from the entry at key
// resolves to, walking up node_modules folders like Node does.
func (lf lockfile) resolve(key, name string) string {
	for dir := key; ; dir = path.Dir(dir) {
		if dir == "." {
			dir = ""
		}
		cand := path.Join(dir, "node_modules", name)
		if _, ok := lf[cand]; ok {
			return cand
		}
		if dir == "" {
			return ""
		}
	}
}

// closure returns every non-workspace entry that the workspace at dir
// resolves to, transitively.
func (lf lockfile) closure(dir string) []string {
	root, ok := lf[dir]
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	var visit func(key string, e *lockEntry)
	visit = func(key string, e *lockEntry) {
		for _, deps := range []map[string]string{e.Dependencies, e.DevDependencies, e.OptionalDependencies, e.PeerDependencies} {
			for name := range deps {
				k := lf.resolve(key, name)
				if k == "" || seen[k] {
					continue
				}
				seen[k] = true
				dep := lf[k]
				if dep.Link {
					continue // another workspace: the component graph covers it
				}
				out = append(out, k)
				visit(k, dep)
			}
		}
	}
	// devDependencies of the workspace itself count; of its dependencies not.
	visit(dir, root)
	return out
}

// npmLockRule returns the workspaces whose own lock entry or any package
// they resolve to changed between base and head.
func npmLockRule(ctx context.Context, repo *gitx.Repo, opts Options, g *graph.Graph) (map[string]hit, error) {
	base, err := readLock(ctx, repo, opts.Base)
	if err != nil {
		return nil, err
	}
	head, err := readLock(ctx, repo, opts.Head)
	if err != nil {
		return nil, err
	}
	same := func(k string) bool {
		a, b := base[k], head[k]
		if a == nil || b == nil {
			return a == b
		}
		return bytes.Equal(compact(a.raw), compact(b.raw))
	}
	out := map[string]hit{}
	for _, c := range g.Components() {
		if c.Kind != graph.NodeApp {
			continue
		}
		var diffs []string
		if !same(c.Dir) {
			diffs = append(diffs, c.Dir)
		}
		seen := map[string]bool{}
		for _, lf := range []lockfile{base, head} {
			for _, k := range lf.closure(c.Dir) {
				if !seen[k] {
					seen[k] = true
					if !same(k) {
						diffs = append(diffs, k)
					}
				}
			}
		}
		if len(diffs) == 0 {
			continue
		}
		sort.Strings(diffs)
		out[c.Name] = hit{file: "package-lock.json", rule: RuleNPMLock, detail: describeLock(diffs[0], base, head)}
	}
	return out, nil
}

func describeLock(key string, base, head lockfile) string {
	name := key
	if i := strings.LastIndex(key, "node_modules/"); i >= 0 {
		name = key[i+len("node_modules/"):]
	}
	a, b := base[key], head[key]
	switch {
	case a == nil:
		return name + " added"
	case b == nil:
		return name + " removed"
	case a.Version != b.Version:
		return fmt.Sprintf("%s %s -> %s", name, a.Version, b.Version)
	}
	return name + " changed"
}

func compact(raw json.RawMessage) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return raw
	}
	return buf.Bytes()
}
