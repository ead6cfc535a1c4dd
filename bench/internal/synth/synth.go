// Package synth generates the synthetic repository that bench/ measures:
// a seeded random DAG of npm workspace packages that mono, turbo and nx all
// read from the same files (package.json dependencies), committed to git,
// followed by a second commit that changes one mid-graph package.
package synth

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Options say what to generate.
type Options struct {
	// Size is the number of packages.
	Size int
	// Seed makes the graph reproducible: equal seeds give equal graphs.
	Seed uint64
	// MaxDeps bounds the direct dependencies of one package (default 3).
	MaxDeps int
	// Window is how far back (in package numbers) most dependencies reach
	// (default 50); one dependency in five is drawn from all lower packages.
	Window int
	// NPMVersion goes into the root packageManager field ("npm@<v>"),
	// which turbo requires.
	NPMVersion string
}

// Graph is a generated dependency DAG: package i depends only on packages
// with a lower number, so it is acyclic by construction.
type Graph struct {
	// Deps[i] are the numbers of the packages that package i depends on,
	// sorted ascending.
	Deps [][]int
}

// Name is the npm package name of package i; it is also its folder under
// packages/.
func Name(i int) string { return fmt.Sprintf("p%04d", i) }

// NewGraph draws the dependency DAG for opts.
func NewGraph(opts Options) (*Graph, error) {
	if opts.Size < 2 {
		return nil, fmt.Errorf("size %d: need at least 2 packages", opts.Size)
	}
	if opts.MaxDeps <= 0 {
		opts.MaxDeps = 3
	}
	if opts.Window <= 0 {
		opts.Window = 50
	}
	r := rand.New(rand.NewPCG(opts.Seed, 0x6d6f6e6f)) // "mono"
	g := &Graph{Deps: make([][]int, opts.Size)}
	for i := 1; i < opts.Size; i++ {
		n := r.IntN(opts.MaxDeps + 1)
		set := map[int]bool{}
		for range n {
			lo := max(0, i-opts.Window)
			if r.IntN(5) == 0 {
				lo = 0
			}
			set[lo+r.IntN(i-lo)] = true
		}
		deps := make([]int, 0, len(set))
		for d := range set {
			deps = append(deps, d)
		}
		sort.Ints(deps)
		g.Deps[i] = deps
	}
	return g, nil
}

// Dependents returns, sorted, the packages that depend on p directly or
// transitively, p excluded.
func (g *Graph) Dependents(p int) []int {
	return closure(g.reverse(), p)
}

// reverse returns the dependents edges: rev[d] lists who depends on d.
func (g *Graph) reverse() [][]int {
	rev := make([][]int, len(g.Deps))
	for i, deps := range g.Deps {
		for _, d := range deps {
			rev[d] = append(rev[d], i)
		}
	}
	return rev
}

// closure returns, sorted, every node reachable from p over edges, p
// excluded.
func closure(edges [][]int, p int) []int {
	seen := map[int]bool{p: true}
	queue := []int{p}
	var out []int
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, next := range edges[cur] {
			if !seen[next] {
				seen[next] = true
				out = append(out, next)
				queue = append(queue, next)
			}
		}
	}
	sort.Ints(out)
	return out
}

// Affected returns the names of the packages a change to p affects: p and
// every package that depends on it, sorted.
func (g *Graph) Affected(p int) []string {
	out := []string{Name(p)}
	for _, d := range g.Dependents(p) {
		out = append(out, Name(d))
	}
	sort.Strings(out)
	return out
}

// MidGraph picks the package to change: the first package from the middle
// of the numbering upwards that has dependencies of its own and at least
// Size/50 (and at least one) dependents, so the change ripples through a
// part of the graph, neither none nor all of it.
func (g *Graph) MidGraph() int {
	n := len(g.Deps)
	rev := g.reverse()
	want := max(1, n/50)
	for i := n / 2; i < n; i++ {
		if len(g.Deps[i]) > 0 && len(closure(rev, i)) >= want {
			return i
		}
	}
	return n / 2
}

// Repo is a generated repository on disk.
type Repo struct {
	Dir   string
	Graph *Graph
	// Changed is the package the second commit touches.
	Changed int
}

// Generate writes the repository into dir (which must be empty or absent),
// commits it, then changes one mid-graph package and commits again, so
// HEAD^1..HEAD is the change every tool is asked about.
func Generate(dir string, opts Options) (*Repo, error) {
	g, err := NewGraph(opts)
	if err != nil {
		return nil, err
	}
	if opts.NPMVersion == "" {
		return nil, errors.New("npm version is required for packageManager")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := WriteFiles(dir, g, opts.NPMVersion); err != nil {
		return nil, err
	}
	git := func(args ...string) error { return runGit(dir, args...) }
	if err := git("init", "-q", "-b", "main"); err != nil {
		return nil, err
	}
	// No automatic gc: the commits leave more loose objects than gc.auto
	// allows from about 2,000 packages on, and the gc that a commit (or a
	// measured tool's git) would start in the background repacks while
	// the benchmark times, and outlives the command that started it.
	if err := git("config", "gc.auto", "0"); err != nil {
		return nil, err
	}
	if err := git("add", "-A"); err != nil {
		return nil, err
	}
	if err := git("commit", "-q", "-m", "synthetic repository"); err != nil {
		return nil, err
	}
	changed := g.MidGraph()
	file := filepath.Join(dir, "packages", Name(changed), "src", "index.js")
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	_, err = fmt.Fprintf(f, "export const changed = true;\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := git("commit", "-q", "-am", "change "+Name(changed)); err != nil {
		return nil, err
	}
	return &Repo{Dir: dir, Graph: g, Changed: changed}, nil
}

// WriteFiles writes the workspace files of g into dir: root package.json,
// package-lock.json, turbo.json, nx.json, mono.yaml, .gitignore and one
// folder per package.
func WriteFiles(dir string, g *Graph, npmVersion string) error {
	names := make([]string, len(g.Deps))
	for i := range g.Deps {
		names[i] = Name(i)
	}
	root := map[string]any{
		"name":           "bench-synthetic",
		"private":        true,
		"version":        "0.0.0",
		"workspaces":     []string{"packages/*"},
		"packageManager": "npm@" + npmVersion,
	}
	files := map[string]any{
		"package.json":      root,
		"package-lock.json": lockfile(g, names),
		"turbo.json": map[string]any{
			"$schema": "https://turborepo.com/schema.json",
			"tasks": map[string]any{
				"build": map[string]any{"dependsOn": []string{"^build"}, "outputs": []string{"dist/**"}},
			},
		},
		"nx.json": map[string]any{
			"$schema":     "./node_modules/nx/schemas/nx-schema.json",
			"defaultBase": "main",
			"namedInputs": map[string]any{"default": []string{"{projectRoot}/**/*"}},
			"targetDefaults": map[string]any{
				"build": map[string]any{"dependsOn": []string{"^build"}, "outputs": []string{"{projectRoot}/dist"}, "cache": true},
			},
		},
	}
	for name, v := range files {
		if err := writeJSON(filepath.Join(dir, name), v); err != nil {
			return err
		}
	}
	text := map[string]string{
		// Only the keys that differ from mono's defaults, so its default
		// ignore list (node_modules, dist, .mono) stays in force.
		"mono.yaml":  "# Synthetic benchmark repository (bench/).\nproject: bench\nenvironments: [local]\n",
		".gitignore": "node_modules\ndist\n.turbo\n.nx\n.mono\n",
	}
	for name, s := range text {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			return err
		}
	}
	for i, deps := range g.Deps {
		pdir := filepath.Join(dir, "packages", names[i])
		if err := os.MkdirAll(filepath.Join(pdir, "src"), 0o755); err != nil {
			return err
		}
		pj := map[string]any{
			"name":    names[i],
			"version": "1.0.0",
			"private": true,
			"main":    "dist/index.js",
			"scripts": map[string]string{"build": "mkdir -p dist && cp src/index.js dist/"},
		}
		if len(deps) > 0 {
			m := map[string]string{}
			for _, d := range deps {
				m[names[d]] = "*"
			}
			pj["dependencies"] = m
		}
		if err := writeJSON(filepath.Join(pdir, "package.json"), pj); err != nil {
			return err
		}
		var src strings.Builder
		for _, d := range deps {
			fmt.Fprintf(&src, "import { id as dep%d } from %q;\n", d, names[d])
		}
		fmt.Fprintf(&src, "export const id = %q;\n", names[i])
		if err := os.WriteFile(filepath.Join(pdir, "src", "index.js"), []byte(src.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// lockfile returns the package-lock.json that `npm install` writes for the
// workspace (checked against npm 11 on a small repository): each package
// linked from node_modules, no registry packages. turbo reads it to
// resolve workspace dependencies.
func lockfile(g *Graph, names []string) map[string]any {
	pkgs := map[string]any{
		"": map[string]any{"name": "bench-synthetic", "version": "0.0.0", "workspaces": []string{"packages/*"}},
	}
	for i, deps := range g.Deps {
		// npm leaves out "name" where it equals the folder's name.
		p := map[string]any{"version": "1.0.0"}
		if len(deps) > 0 {
			m := map[string]string{}
			for _, d := range deps {
				m[names[d]] = "*"
			}
			p["dependencies"] = m
		}
		pkgs["packages/"+names[i]] = p
		pkgs["node_modules/"+names[i]] = map[string]any{"resolved": "packages/" + names[i], "link": true}
	}
	return map[string]any{"name": "bench-synthetic", "version": "0.0.0", "lockfileVersion": 3, "requires": true, "packages": pkgs}
}

func writeJSON(file string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(data, '\n'), 0o644)
}

func runGit(dir string, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=bench", "GIT_AUTHOR_EMAIL=bench@example.invalid",
		"GIT_COMMITTER_NAME=bench", "GIT_COMMITTER_EMAIL=bench@example.invalid",
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
