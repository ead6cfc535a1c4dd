// Package runcmd implements `mono run`: run one target (lint, test, build,
// or any task a component declares) over the components of the repository
// in dependency order, in parallel, taking results from the cache when the
// inputs of a task hash to a stored success.
package runcmd

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/affected"
	"github.com/acme/platform/build/internal/affectedcmd"
	"github.com/acme/platform/build/internal/cache"
	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/discover"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/suggest"
	"github.com/acme/platform/build/internal/task"
	"github.com/acme/platform/build/internal/workspace"
)

// Options are the arguments and flags of mono run.
type Options struct {
	Target     string
	Components []string
	// All runs every component even when mono was started inside one
	// (without it, the component of the current folder is the default).
	All      bool
	Affected bool
	Base     string
	Head     string
	Parallel int
	DryRun   bool
	Explain  bool
	Continue bool
	JSON     bool
	Verbose  bool
	Force    bool
	WithDeps bool
	// Graph prints the task graph in GraphFormat instead of running it.
	Graph       bool
	GraphFormat string
}

// NewCommand returns the run command.
func NewCommand(deps cli.Deps) *cobra.Command {
	o := Options{Parallel: runtime.GOMAXPROCS(0)}
	cmd := &cobra.Command{
		Use:   "run TARGET [COMPONENT...]",
		Short: "Run a target (lint, test, build, ...) over components, cached and in parallel",
		Long: `Run the task TARGET of the named components in dependency order: a
component's task starts after the same target of the components it depends
on, or after what its dependsOn names (^build: the dependencies' build,
build: its own). When none is named: inside a component's folder (cd services/pricing &&
mono run lint), that component; at the repository root or in a folder no
component owns, every component; --all runs every component from anywhere.
--affected keeps the affected ones of those.

A task whose inputs (files, command, declared env vars and tool versions, Go
module versions, the hashes of its dependencies) match a stored success is
not run: its outputs are restored and its log replayed from the cache
(` + "`.mono/cache`" + `, bounded by cache.maxSizeMB in mono.yaml; behind it the
S3 store of cache.remote, when set: read, and written with
MONO_CACHE_REMOTE_WRITE=1 or cache.remote.write).

Default tasks per kind (override per kind in mono.yaml tasks:, per component
in component.yaml tasks:):
  go-*            lint: go vet ./...   test: go test ./...
                  build: go build ./... (go-lib), go build -o $MONO_OUT/<name> .
  node-app        every package.json script; build outputs dist/**
  terraform-*     lint: terraform fmt -check -recursive
  python-*        test: python3 -m pytest -q (when tests exist)

Exit codes: 0 all tasks succeeded, 1 a task failed or the run was
interrupted, 2 unknown target, component or flag. See docs/mono-run.md.`,
		Example: `  mono run test
  cd services/pricing && mono run lint     # pricing only
  mono run build orders-api pricing --parallel 4
  mono run test --affected --base origin/main
  mono run build --dry-run --explain
  mono run lint --continue --json
  mono run test --graph                    # the task graph, run nothing
  mono run build --graph --format html > tasks.html`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cli.Usagef("mono run needs a TARGET, e.g. mono run test")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Target, o.Components = args[0], args[1:]
			return Run(cmd.Context(), deps, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.All, "all", false, "run every component, also when started inside one (default there: that component)")
	f.BoolVar(&o.Affected, "affected", false, "run only components affected by the change from --base (see mono affected)")
	f.StringVar(&o.Base, "base", "", "with --affected: revision to compare from (its merge-base with the head), or A...B")
	f.StringVar(&o.Head, "head", "", "with --affected: revision with the change (default: the work tree)")
	f.IntVarP(&o.Parallel, "parallel", "p", o.Parallel, "tasks run at the same time")
	f.BoolVar(&o.DryRun, "dry-run", false, "list the tasks in order with their key and cache status; run nothing")
	f.BoolVar(&o.Explain, "explain", false, "say for each cache miss which inputs changed since the last run")
	f.BoolVar(&o.Continue, "continue", false, "after a failure, keep running tasks that do not depend on it")
	f.BoolVar(&o.JSON, "json", false, "print a JSON summary for machines (progress goes to stderr)")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "print every task's log, cached ones replayed")
	f.BoolVar(&o.Force, "force", false, "run every task even when cached (results are still stored)")
	f.BoolVar(&o.WithDeps, "with-deps", false, "also run the target of the named components' dependencies")
	f.BoolVar(&o.Graph, "graph", false, "print the task graph that would run (text; --json; --format dot|html); run nothing")
	f.StringVar(&o.GraphFormat, "format", "", "with --graph: "+strings.Join(GraphFormats, ", "))
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return GraphFormats, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// Run runs mono run with the given options.
func Run(ctx context.Context, deps cli.Deps, o Options) error {
	if o.Parallel < 1 {
		return cli.Usagef("--parallel must be at least 1")
	}
	if o.Affected && o.Base == "" {
		return cli.Usagef("--affected needs --base: the revision to compare with, e.g. --base origin/main")
	}
	if !o.Affected && (o.Base != "" || o.Head != "") {
		return cli.Usagef("--base and --head only apply with --affected")
	}
	if o.All && len(o.Components) > 0 {
		return cli.Usagef("--all runs every component: name components or give --all, not both")
	}
	if o.GraphFormat != "" && !o.Graph {
		return cli.Usagef("--format only applies with --graph")
	}
	if o.Graph {
		switch {
		case o.GraphFormat == "" && o.JSON:
			o.GraphFormat = "json"
		case o.GraphFormat == "":
			o.GraphFormat = "text"
		case o.JSON && o.GraphFormat != "json":
			return cli.Usagef("--json and --format %s: give one", o.GraphFormat)
		}
		if !slices.Contains(GraphFormats, o.GraphFormat) {
			return cli.Usagef("--format: unknown format %q (formats: %s)", o.GraphFormat, strings.Join(GraphFormats, ", "))
		}
	}
	ws, err := deps.Workspace()
	if err != nil {
		return err
	}
	g, listed, err := discover.DiscoverListed(ws)
	if err != nil {
		return err
	}
	if o.Graph { // reads only: no cache, no hashing
		r := &runner{ws: ws, g: g, deps: deps, o: o, resolver: task.NewResolver(ws)}
		return r.graph(ctx)
	}
	r, err := newRunner(ctx, ws, g, listed, deps, o)
	if err != nil {
		return err
	}
	return r.run(ctx)
}

// runner holds one run's collaborators.
type runner struct {
	ws        *workspace.Workspace
	g         *graph.Graph
	listed    discover.Listings // the folders discovery read
	deps      cli.Deps
	o         Options
	store     cache.Store
	hasher    *task.FileHasher
	tools     *task.Tools
	resolver  *task.Resolver
	manifests *task.Manifests
	results   *results
	outDir    string
	start     time.Time
}

// CacheDir returns the absolute cache folder of ws.
func CacheDir(ws *workspace.Workspace) string {
	dir := ws.Settings.Cache.Dir
	if dir == "" {
		dir = workspace.Defaults().Cache.Dir
	}
	if filepath.IsAbs(dir) {
		return dir
	}
	return ws.Path(dir)
}

func newRunner(ctx context.Context, ws *workspace.Workspace, g *graph.Graph, listed discover.Listings, deps cli.Deps, o Options) (*runner, error) {
	dir := CacheDir(ws)
	store, err := openStore(ctx, ws, deps, dir)
	if err != nil {
		return nil, err
	}
	return &runner{
		ws: ws, g: g, listed: listed, deps: deps, o: o, store: store,
		hasher:    task.NewFileHasher(ws.Root, filepath.Join(dir, "filehashes")),
		tools:     task.NewTools(filepath.Join(dir, "tools.json"), deps.Getenv),
		resolver:  task.NewResolver(ws),
		manifests: task.NewManifests(filepath.Join(dir, "manifests")),
		results:   loadResults(filepath.Join(dir, "results"), o.Target),
		outDir:    ws.Path(".mono/out"),
		start:     time.Now(),
	}, nil
}

// selectNames returns the components the run starts from.
func (r *runner) selectNames(ctx context.Context) ([]string, error) {
	names := r.g.Names()
	if len(r.o.Components) > 0 {
		names = nil
		for _, n := range r.o.Components {
			c, err := r.g.Lookup(n)
			if err != nil {
				return nil, cli.Exit(cli.ExitUsage, err)
			}
			names = append(names, c.Name)
		}
	} else if cs := r.here(); len(cs) > 0 && !r.o.All {
		names = nil
		for _, c := range cs {
			names = append(names, c.Name)
		}
		fmt.Fprintf(r.deps.IO.ErrOut, "mono run: %s only (the folder %s; --all for every component)\n", strings.Join(names, ", "), cs[0].Dir)
	}
	if r.o.Affected {
		res, err := affected.Compute(ctx, r.ws, r.g, affected.Options{Base: r.o.Base, Head: r.o.Head})
		if err != nil {
			return nil, affectedcmd.ExitErr(err)
		}
		if r.o.Explain {
			fmt.Fprintf(r.deps.IO.ErrOut, "mono run: affected since %s\n", res.BaseUsed.Describe())
		}
		set := map[string]bool{}
		for _, n := range res.Names(r.o.Target) {
			set[n] = true
		}
		var out []string
		for _, n := range names {
			if set[n] {
				out = append(out, n)
			}
		}
		names = out
	}
	if r.o.WithDeps {
		names = r.g.Order(names)
	}
	sort.Strings(names)
	return names, nil
}

// here returns the components whose folder holds the folder mono was
// started in (those of the deepest such folder: mostly one, the stacks of
// the Terraform environment root share theirs), or nil at the root and in
// folders no component owns.
func (r *runner) here() []*graph.Component {
	abs, err := filepath.Abs(r.deps.Dir)
	if err != nil {
		return nil
	}
	rel, err := filepath.Rel(r.ws.Root, abs)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return nil
	}
	return r.g.Owners(filepath.ToSlash(rel) + "/")
}

// node is one task of the run.
type node struct {
	idx        int
	comp       *graph.Component
	task       graph.Task
	m          *task.Manifest
	deps       []*node
	dependents []*node
	pending    int

	// result
	done     bool
	status   string // ok, cached, failed, skipped
	reason   string
	cache    string // hit, miss, off
	dur      time.Duration
	saved    time.Duration // the original duration of a cached result
	exitCode int
	log      []byte
	changes  []task.Change
	warn     string
}

func (n *node) name() string { return n.comp.Name + ":" + n.m.Target }

// Statuses of a task.
const (
	statusOK      = "ok"
	statusCached  = "cached"
	statusFailed  = "failed"
	statusSkipped = "skipped"
)

// plan resolves the task graph of the target over the selected components
// (with the tasks they wait for through dependsOn), computes the key of each
// task and links them.
func (r *runner) plan(ctx context.Context, names []string) ([]*node, error) {
	tg, err := r.resolver.Plan(r.g, r.o.Target, names)
	if err != nil {
		return nil, err
	}
	if len(tg.Nodes) == 0 {
		if err := r.unknownTarget(names); err != nil {
			return nil, err
		}
		return nil, nil
	}
	byTarget := map[string][]string{}
	for _, tn := range tg.Nodes {
		byTarget[tn.Target] = append(byTarget[tn.Target], tn.Component)
	}
	keyer := task.NewKeyer(r.ws, r.g, r.listed, r.resolver, r.hasher, r.tools, r.deps.Environ)
	manifests := map[task.ID]*task.Manifest{}
	for target, comps := range byTarget {
		ms, err := keyer.Keys(ctx, target, comps)
		if err != nil {
			return nil, err
		}
		for c, m := range ms {
			manifests[task.ID{Component: c, Target: target}] = m
		}
	}
	inRun := map[task.ID]*node{}
	nodes := make([]*node, 0, len(tg.Nodes))
	for _, tn := range tg.Nodes { // dependencies first
		m := manifests[tn.ID]
		nd := &node{idx: len(nodes), comp: r.g.Get(tn.Component), task: tn.Task, m: m}
		for _, d := range tn.Deps {
			dn := inRun[d]
			nd.deps = append(nd.deps, dn)
			dn.dependents = append(dn.dependents, nd)
			// A task of another target it waits for is an input too (its
			// key is final: dependencies come first).
			if d.Target != tn.Target {
				if m.Deps == nil {
					m.Deps = map[string]string{}
				}
				m.Deps[d.String()] = dn.m.Key
			}
		}
		if len(m.Deps) > 0 {
			m.Key = m.Sum()
		}
		nd.pending = len(nd.deps)
		nodes = append(nodes, nd)
		inRun[tn.ID] = nd
	}
	return nodes, nil
}

func contains(list []string, s string) bool {
	i := sort.SearchStrings(list, s)
	return i < len(list) && list[i] == s
}

// unknownTarget returns the error for a target no selected component has,
// or nil when the selection is empty for another reason (nothing affected).
func (r *runner) unknownTarget(names []string) error {
	all, err := r.resolver.Targets(r.g.Components())
	if err != nil {
		return err
	}
	if r.o.Affected && len(r.o.Components) == 0 && contains(all, r.o.Target) {
		return nil // the target is known; no affected component has it
	}
	if r.o.Affected && len(names) == 0 {
		return nil
	}
	scope := "no component has"
	known := all
	if len(r.o.Components) > 0 || r.o.Affected {
		scope = "no selected component has"
		sel := make([]*graph.Component, len(names))
		for i, n := range names {
			sel[i] = r.g.Get(n)
		}
		if known, err = r.resolver.Targets(sel); err != nil {
			return err
		}
	}
	hint := ""
	if best := suggest.Closest(r.o.Target, known); best != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", best)
	}
	list := strings.Join(known, ", ")
	if list == "" {
		list = "none"
	}
	return cli.Usagef("unknown target %q: %s it%s; known targets: %s", r.o.Target, scope, hint, list)
}
