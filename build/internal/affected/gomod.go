package affected

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/acme/platform/build/internal/gitx"
	"github.com/acme/platform/build/internal/graph"
)

// modState is what go.mod and go.sum say about each module.
type modState struct {
	goVersion string
	toolchain string
	versions  map[string]string // module path -> required version (with replacement)
	sums      map[string]string // module path -> its go.sum lines
}

func readModState(ctx context.Context, repo *gitx.Repo, rev string) (*modState, error) {
	st := &modState{versions: map[string]string{}, sums: map[string]string{}}
	data, err := repo.Read(ctx, rev, "go.mod")
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		f, err := modfile.ParseLax("go.mod", data, nil)
		if err != nil {
			return nil, fmt.Errorf("go.mod at %s: %w", revName(rev), err)
		}
		if f.Go != nil {
			st.goVersion = f.Go.Version
		}
		if f.Toolchain != nil {
			st.toolchain = f.Toolchain.Name
		}
		for _, r := range f.Require {
			st.versions[r.Mod.Path] = r.Mod.Version
		}
		for _, r := range f.Replace {
			st.versions[r.Old.Path] += " => " + r.New.String()
		}
	}
	sum, err := repo.Read(ctx, rev, "go.sum")
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		sc := bufio.NewScanner(bytes.NewReader(sum))
		for sc.Scan() {
			if mod, _, ok := strings.Cut(sc.Text(), " "); ok {
				st.sums[mod] += sc.Text() + "\n"
			}
		}
	}
	return st, nil
}

func revName(rev string) string {
	if rev == "" {
		return "work tree"
	}
	return rev
}

// goModRule returns the Go components that import, directly or through
// other modules, a module whose version or checksum changed. A change of
// the go directive or toolchain affects every Go component.
func goModRule(ctx context.Context, repo *gitx.Repo, opts Options, g *graph.Graph, file string) (map[string]hit, error) {
	base, err := readModState(ctx, repo, opts.Base)
	if err != nil {
		return nil, err
	}
	head, err := readModState(ctx, repo, opts.Head)
	if err != nil {
		return nil, err
	}
	out := map[string]hit{}
	if base.goVersion != head.goVersion || base.toolchain != head.toolchain {
		detail := fmt.Sprintf("go %s -> %s", base.goVersion, head.goVersion)
		if base.toolchain != head.toolchain {
			detail = fmt.Sprintf("toolchain %s -> %s", base.toolchain, head.toolchain)
		}
		for _, c := range g.Components() {
			if c.Kind.IsGo() {
				out[c.Name] = hit{file: file, rule: RuleGoMod, detail: detail}
			}
		}
		return out, nil
	}
	changed := map[string]string{} // module -> detail
	diff := func(a, b map[string]string, what string) {
		for m, v := range a {
			if b[m] != v {
				changed[m] = describe(m, v, b[m], what)
			}
		}
		for m, v := range b {
			if _, ok := a[m]; !ok {
				changed[m] = describe(m, "", v, what)
			}
		}
	}
	if file == "go.mod" {
		diff(base.versions, head.versions, "version")
	} else {
		diff(base.sums, head.sums, "checksum")
	}
	if len(changed) == 0 {
		return out, nil
	}

	// Which changed module does each directly imported module reach?
	imported := map[string]bool{}
	for _, c := range g.Components() {
		for _, m := range c.Modules {
			imported[m] = true
		}
	}
	reaches := map[string]string{} // imported module -> a changed module it reaches
	needGraph := false
	for m := range imported {
		if _, ok := changed[m]; ok {
			reaches[m] = m
		}
	}
	for m := range changed {
		if !imported[m] {
			needGraph = true
		}
	}
	if needGraph {
		mg, err := moduleGraph(ctx, repo)
		if err != nil {
			// Without the module graph, be safe: every importer of any module.
			for m := range imported {
				if _, ok := reaches[m]; !ok {
					reaches[m] = firstKey(changed)
				}
			}
		} else {
			for m := range imported {
				if _, ok := reaches[m]; ok {
					continue
				}
				if c := mg.reach(m, changed); c != "" {
					reaches[m] = c
				}
			}
		}
	}
	// A module imported only by tests reaches the test target alone; a
	// module of the code itself wins.
	for _, c := range g.Components() {
		if h, ok := moduleHit(file, c.ModulesFor("build"), reaches, changed); ok {
			out[c.Name] = h
		} else if h, ok := moduleHit(file, c.TestModules, reaches, changed); ok {
			h.targets = []string{graph.TestTarget}
			h.detail += ", imported by tests only"
			out[c.Name] = h
		}
	}
	return out, nil
}

// moduleHit returns the hit of the first of mods that reaches a changed
// module.
func moduleHit(file string, mods []string, reaches, changed map[string]string) (hit, bool) {
	for _, m := range mods {
		if via, ok := reaches[m]; ok {
			detail := changed[via]
			if via != m {
				detail += " (needed by " + m + ")"
			}
			return hit{file: file, rule: RuleGoMod, detail: detail}, true
		}
	}
	return hit{}, false
}

func describe(mod, from, to, what string) string {
	switch {
	case from == "":
		return fmt.Sprintf("%s added", mod)
	case to == "":
		return fmt.Sprintf("%s removed", mod)
	case what == "checksum":
		return fmt.Sprintf("%s checksum changed", mod)
	}
	return fmt.Sprintf("%s %s -> %s", mod, from, to)
}

func firstKey(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[0]
}

// modGraph is the module requirement graph of `go mod graph`, versions dropped.
type modGraph map[string][]string

func moduleGraph(ctx context.Context, repo *gitx.Repo) (modGraph, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "graph")
	cmd.Dir = repo.Dir
	cmd.Env = append(cmd.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	mg := modGraph{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		from, to, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		from, _, _ = strings.Cut(from, "@")
		to, _, _ = strings.Cut(to, "@")
		mg[from] = append(mg[from], to)
	}
	return mg, nil
}

// reach returns a module of targets reachable from start, or "".
func (mg modGraph) reach(start string, targets map[string]string) string {
	seen := map[string]bool{start: true}
	queue := []string{start}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		for _, d := range mg[m] {
			if seen[d] {
				continue
			}
			if _, ok := targets[d]; ok {
				return d
			}
			seen[d] = true
			queue = append(queue, d)
		}
	}
	return ""
}
