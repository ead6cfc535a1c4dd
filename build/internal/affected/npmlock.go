package affected

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/acme/platform/build/internal/gitx"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/npmlock"
)

func readLock(ctx context.Context, repo *gitx.Repo, rev string) (npmlock.Lock, error) {
	data, err := repo.Read(ctx, rev, "package-lock.json")
	if errors.Is(err, fs.ErrNotExist) {
		return npmlock.Lock{}, nil
	}
	if err != nil {
		return nil, err
	}
	return npmlock.Parse("package-lock.json at "+revName(rev), data)
}

// npmLockRule returns the workspaces whose own lock entry or any registry
// package they resolve to changed between base and head.
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
		return a.Digest == b.Digest
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
		for _, lock := range []npmlock.Lock{base, head} {
			for k := range lock.Packages(c.Dir) {
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

func describeLock(key string, base, head npmlock.Lock) string {
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
