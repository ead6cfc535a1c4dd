package task

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"
	"golang.org/x/mod/modfile"

	"github.com/acme/platform/build/internal/discover"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/npmlock"
	"github.com/acme/platform/build/internal/workspace"
)

// Keyer computes the keys of the tasks of one target.
type Keyer struct {
	ws       *workspace.Workspace
	g        *graph.Graph
	resolver *Resolver
	scanner  *Scanner
	tools    *Tools
	environ  []string

	modOnce sync.Once
	mods    map[string]string
	modErr  error

	lockOnce sync.Once
	lock     npmlock.Lock
	lockErr  error
}

// NewKeyer returns a keyer over the graph g of ws; listed are the folders
// the discovery of g read (nil: the input scan reads every folder).
func NewKeyer(ws *workspace.Workspace, g *graph.Graph, listed discover.Listings, resolver *Resolver, hasher *FileHasher, tools *Tools, environ []string) *Keyer {
	dirs := make([]string, 0, g.Len())
	for _, c := range g.Components() {
		dirs = append(dirs, c.Dir)
	}
	return &Keyer{
		ws: ws, g: g, resolver: resolver, tools: tools, environ: environ,
		scanner: NewScanner(ws.Root, ws.Settings.Ignore, dirs, hasher, listed),
	}
}

// Keys returns the manifest (with its key) of target for each of names
// that has the target, and for each of their transitive dependencies that
// has it. A component's key covers its command, declared env vars and
// tools, output globs, input files, Go module versions (Go kinds) or the
// package-lock.json entries it resolves to (node-app), and the
// hashes of its direct dependencies (test-only ones for the test target
// alone): their key for the same target, or for one without the target a
// hash of its files and its own dependencies.
func (k *Keyer) Keys(ctx context.Context, target string, names []string) (map[string]*Manifest, error) {
	order := k.g.Order(names)
	tasks := make(map[string]graph.Task, len(order))
	dirs := make([]string, len(order))
	outputs := make([][]string, len(order))
	for i, n := range order {
		c := k.g.Get(n)
		dirs[i] = c.Dir
		t, ok, err := k.resolver.Resolve(c, target)
		if err != nil {
			return nil, err
		}
		if ok {
			tasks[n] = t
			outputs[i] = outputDirs(c.Dir, t.Outputs)
		}
	}
	files, err := k.scanner.Scan(ctx, dirs, outputs)
	if err != nil {
		return nil, err
	}
	for i, n := range order {
		if c := k.g.Get(n); len(c.Exclude) > 0 {
			files[i] = owned(c, files[i])
		}
	}

	// Tool versions may spawn a process the first time: ask them in parallel.
	var wg sync.WaitGroup
	for _, t := range tasks {
		for _, tool := range t.Tools {
			wg.Go(func() { k.tools.Version(ctx, tool) })
		}
	}
	wg.Wait()

	hashes := make(map[string]string, len(order))
	out := make(map[string]*Manifest, len(tasks))
	for i, n := range order {
		c := k.g.Get(n)
		// A test-only dependency counts for the test target alone: a
		// comment in a test helper does not miss the cache of lint.
		uses := c.DependsFor(target)
		deps := make(map[string]string, len(uses))
		for _, d := range uses {
			deps[d] = hashes[d]
		}
		t, ok := tasks[n]
		if !ok {
			hashes[n] = sourceHash(c.Dir, files[i], deps)
			continue
		}
		m, err := k.manifest(ctx, c, target, t, files[i], deps)
		if err != nil {
			return nil, err
		}
		hashes[n] = m.Key
		out[n] = m
	}
	return out, nil
}

func (k *Keyer) manifest(ctx context.Context, c *graph.Component, target string, t graph.Task, all Files, deps map[string]string) (*Manifest, error) {
	m := &Manifest{
		Component: c.Name, Dir: c.Dir, Target: target, Command: t.Command,
		Outputs: t.Outputs, Deps: deps,
	}
	inputs, err := k.inputs(c, t, all)
	if err != nil {
		return nil, fmt.Errorf("%s:%s: %w", c.Name, target, err)
	}
	m.Files = inputs
	m.Env = envDigests(k.environ, t.Env)
	if len(t.Tools) > 0 {
		m.Tools = make(map[string]string, len(t.Tools))
		for _, tool := range t.Tools {
			m.Tools[tool] = k.tools.Version(ctx, tool)
		}
	}
	if c.Kind.IsGo() {
		mods, err := k.goModules()
		if err != nil {
			return nil, err
		}
		m.Modules = map[string]string{"go": mods["go"]}
		if tc, ok := mods["toolchain"]; ok {
			m.Modules["toolchain"] = tc
		}
		for _, mod := range c.ModulesFor(target) {
			m.Modules[mod] = mods[mod]
		}
	}
	if c.Kind == graph.NodeApp {
		k.lockOnce.Do(func() { k.lock, k.lockErr = readNPMLock(k.ws.Path("package-lock.json")) })
		if k.lockErr != nil {
			return nil, k.lockErr
		}
		if pkgs := npmPackages(k.lock, c.Dir); len(pkgs) > 0 {
			m.Modules = pkgs
		}
	}
	m.Key = m.Sum()
	return m, nil
}

// inputs filters the component's files by the task: declared input globs
// (all files when none), minus files matching output globs. Input globs
// starting with $MONO_ROOT/ match files anywhere in the workspace, and so
// do the task's global inputs.
func (k *Keyer) inputs(c *graph.Component, t graph.Task, all Files) (Files, error) {
	var local, rooted []string
	for _, in := range t.Inputs {
		if r, ok := strings.CutPrefix(in, RootToken); ok {
			rooted = append(rooted, r)
		} else {
			local = append(local, in)
		}
	}
	var outputs []string
	for _, o := range t.Outputs {
		if !strings.HasPrefix(o, OutDirToken) {
			outputs = append(outputs, o)
		}
	}
	out := make(Files, len(all))
	prefix := c.Dir + "/"
	for p, d := range all {
		rel := strings.TrimPrefix(p, prefix)
		if len(t.Inputs) > 0 && !matchAny(local, rel) {
			continue
		}
		if matchAny(outputs, rel) {
			continue
		}
		out[p] = d
	}
	for _, g := range append(rooted, t.GlobalInputs...) {
		files, err := k.scanner.Glob(g)
		if err != nil {
			return nil, err
		}
		for p, d := range files {
			out[p] = d
		}
	}
	return out, nil
}

// outputDirs returns the folders (slash, relative to the root) that output
// globs of the form <folder>/** claim whole, e.g. dist of dist/**: inputs
// leaves out every file in them, so the scan need not list them.
func outputDirs(dir string, outputs []string) []string {
	var out []string
	for _, o := range outputs {
		d, ok := strings.CutSuffix(o, "/**")
		plain := d == path.Clean(d) && d != "." && !path.IsAbs(d) && !strings.HasPrefix(d, "../") &&
			!strings.HasPrefix(o, OutDirToken) && !strings.ContainsAny(d, `*?[{\`)
		if ok && plain {
			out = append(out, path.Join(dir, d))
		}
	}
	return out
}

func matchAny(globs []string, rel string) bool {
	for _, g := range globs {
		if ok, _ := doublestar.Match(g, rel); ok {
			return true
		}
		// A glob naming a folder covers everything in it.
		if ok, _ := doublestar.Match(strings.TrimSuffix(g, "/")+"/**", rel); ok {
			return true
		}
	}
	return false
}

// goModules reads go.mod once: module path -> version (with its
// replacement), "go" -> go directive, "toolchain" -> toolchain directive.
func (k *Keyer) goModules() (map[string]string, error) {
	k.modOnce.Do(func() {
		k.mods = map[string]string{}
		data, err := os.ReadFile(k.ws.Path("go.mod"))
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err != nil {
			k.modErr = fmt.Errorf("read go.mod: %w", err)
			return
		}
		f, err := modfile.ParseLax("go.mod", data, nil)
		if err != nil {
			k.modErr = err
			return
		}
		if f.Go != nil {
			k.mods["go"] = f.Go.Version
		}
		if f.Toolchain != nil {
			k.mods["toolchain"] = f.Toolchain.Name
		}
		for _, r := range f.Require {
			k.mods[r.Mod.Path] = r.Mod.Version
		}
		for _, r := range f.Replace {
			if _, ok := k.mods[r.Old.Path]; ok {
				k.mods[r.Old.Path] += " => " + path.Clean(r.New.Path) + " " + r.New.Version
			}
		}
	})
	return k.mods, k.modErr
}

// owned returns the files of its folder that c owns (a component that
// shares its folder leaves out the files of the others).
func owned(c *graph.Component, all Files) Files {
	out := make(Files, len(all))
	for p, d := range all {
		if c.Owns(p) {
			out[p] = d
		}
	}
	return out
}
