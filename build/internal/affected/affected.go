// Package affected answers "what does this change affect": changed files
// become owning components, then every transitive dependent. Global inputs
// are read precisely: a go.mod change affects only importers of the modules
// whose version changed, a package-lock.json change only the workspaces
// whose resolved dependencies changed, config/<env>.yaml only what is
// deployed to that environment, a global input of mono.yaml (Makefile,
// hack/**) only the tasks that declare it.
package affected

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/acme/platform/build/internal/gitx"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/task"
	"github.com/acme/platform/build/internal/workspace"
)

// Options select the two revisions to compare.
type Options struct {
	// Base is the revision the change is measured from (required): the
	// comparison starts at the merge-base of Base and the head, where the
	// head left Base. "A...B" means from the merge-base of A and B to B.
	Base string
	// Head is the revision with the change; empty means the work tree
	// (compared with the merge-base of Base and HEAD), including
	// uncommitted and untracked files.
	Head string
}

// ErrRange means --base is a range mono does not take (A..B), or A...B
// given together with --head.
var ErrRange = errors.New("bad revision range")

// BaseUsed says which commit a comparison started from.
type BaseUsed struct {
	// Ref is the base as given: main, origin/main, A...B.
	Ref string `json:"ref"`
	// Commit is the merge-base of Ref and the head, and Short its
	// abbreviation.
	Commit string `json:"commit"`
	Short  string `json:"short"`
	// Tip is the commit Ref names (A for A...B).
	Tip string `json:"tip"`
	// MergeBase is true when Commit is not Tip: Ref moved on after the
	// head left it, and those later changes are not counted.
	MergeBase bool `json:"mergeBase"`
}

// Describe renders the base as one line for people.
func (b BaseUsed) Describe() string {
	if !b.MergeBase {
		return fmt.Sprintf("base: %s (%s)", b.Ref, b.Short)
	}
	return fmt.Sprintf("base: %s, merge-base with the head (%s is at %s; its later commits are not counted)", b.Short, b.Ref, shortID(b.Tip))
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// Range is a comparison with its revisions resolved.
type Range struct {
	Base BaseUsed
	// Head is the head as given ("" for the work tree, B for A...B).
	Head string
	// From and To are the revisions to compare: the merge-base commit and
	// the head commit, or "" for the work tree.
	From, To string
}

// Resolve turns opts into the commits to compare: the base becomes the
// merge-base of opts.Base and the head (HEAD when the work tree is
// compared). It is the one place where mono affected and mono run
// --affected read --base and --head.
func Resolve(ctx context.Context, repo *gitx.Repo, opts Options) (Range, error) {
	if opts.Base == "" {
		return Range{}, errors.New("a base revision is required (--base)")
	}
	baseRef, head := opts.Base, opts.Head
	if a, b, ok := strings.Cut(opts.Base, "..."); ok {
		if opts.Head != "" {
			return Range{}, fmt.Errorf("%w: --base %s already names the head (%s); drop --head %s", ErrRange, opts.Base, orHEAD(b), opts.Head)
		}
		baseRef, head = orHEAD(a), orHEAD(b)
	} else if strings.Contains(opts.Base, "..") {
		return Range{}, fmt.Errorf("%w: --base %s: give one revision, or A...B (three dots) for the merge-base of A and B up to B", ErrRange, opts.Base)
	}
	ids, err := repo.ResolveAll(ctx, baseRef, orHEAD(head))
	if err != nil {
		return Range{}, err
	}
	mb, err := repo.MergeBase(ctx, ids[0], ids[1])
	if errors.Is(err, gitx.ErrNoMergeBase) {
		return Range{}, fmt.Errorf("%w of %s and %s: the head did not branch from %s (in a shallow clone fetch the history: git fetch --unshallow, or fetch-depth: 0 in CI)", gitx.ErrNoMergeBase, baseRef, orHEAD(head), baseRef)
	}
	if err != nil {
		return Range{}, err
	}
	r := Range{
		Base: BaseUsed{Ref: opts.Base, Commit: mb, Short: shortID(mb), Tip: ids[0], MergeBase: mb != ids[0]},
		Head: head,
		From: mb,
	}
	if head != "" {
		r.To = ids[1]
	}
	return r, nil
}

func orHEAD(rev string) string {
	if rev == "" {
		return "HEAD"
	}
	return rev
}

// Rule names why a changed file reached a component directly.
type Rule string

// The rules.
const (
	RuleOwner   Rule = "owner"        // the file lies in the component's folder
	RuleGoMod   Rule = "go.mod"       // a module it imports changed version
	RuleNPMLock Rule = "package-lock" // a package it resolves changed
	RuleConfig  Rule = "config"       // configuration of an environment it is deployed to
	RuleGlobal  Rule = "global-input" // a global input (mono.yaml globalInputs) its tasks declare
)

// Reason says how a component was reached.
type Reason struct {
	File   string `json:"file"`
	Rule   Rule   `json:"rule"`
	Detail string `json:"detail,omitempty"`
	// Path runs from the directly affected component to this one.
	Path []string `json:"path"`
}

// Item is one affected component.
type Item struct {
	Name   string     `json:"name"`
	Kind   graph.Kind `json:"kind"`
	Dir    string     `json:"dir"`
	Direct bool       `json:"direct"`
	// TestOnly means the change reaches the component only through a
	// test-only edge (an import found only in _test.go files; the last
	// step of Reason.Path) and no path of full edges leads here.
	TestOnly bool `json:"testOnly"`
	// Targets are the only targets the change affects (test for a
	// test-only item; the tasks that declare a changed global input);
	// empty means every target.
	Targets []string `json:"targets,omitempty"`
	Reason  Reason   `json:"reason"`
}

// Affects reports whether the change affects the item's target.
func (it Item) Affects(target string) bool {
	return len(it.Targets) == 0 || slices.Contains(it.Targets, target)
}

// Result is the answer for one comparison.
type Result struct {
	Base     string   `json:"base"`
	Head     string   `json:"head,omitempty"`
	BaseUsed BaseUsed `json:"baseUsed"`
	Changed  []string `json:"changed"`
	Affected []Item   `json:"affected"`
	// Unowned are changed files that no component owns and no rule reads.
	Unowned []string `json:"unowned"`
}

// Names returns the affected component names, sorted: those affected for
// target, or every one when target is "".
func (r *Result) Names(target string) []string {
	out := make([]string, 0, len(r.Affected))
	for _, it := range r.Affected {
		if target == "" || it.Affects(target) {
			out = append(out, it.Name)
		}
	}
	return out
}

// hit is a component reached directly by a changed file.
type hit struct {
	file, detail string
	rule         Rule
	// targets limits the hit to these targets (a global input); nil
	// means every target.
	targets []string
}

// travels reports whether the hit reaches the component's dependents:
// configuration is read at run time, a global input is read by the tasks
// that declare it, and a module imported only by tests is compiled into
// nothing else, so none of them changes what the component is.
func (h hit) travels() bool {
	return h.targets == nil && h.rule != RuleConfig && h.rule != RuleGlobal
}

// Compute compares the merge-base of opts.Base and the head with the head
// in the workspace's git repository and returns the affected components
// of g.
func Compute(ctx context.Context, ws *workspace.Workspace, g *graph.Graph, opts Options) (*Result, error) {
	ch, err := Changes(ctx, ws, opts)
	if err != nil {
		return nil, err
	}
	return FromFiles(ctx, ws, g, ch)
}

// Change is a resolved comparison and the files it changes.
type Change struct {
	Repo  *gitx.Repo
	Range Range
	Files []string
}

// Changes resolves the revisions and lists the changed files. It needs no
// component graph, so callers may run it while discovery runs.
func Changes(ctx context.Context, ws *workspace.Workspace, opts Options) (*Change, error) {
	repo, err := gitx.Open(ctx, ws.Root)
	if err != nil {
		return nil, err
	}
	rng, err := Resolve(ctx, repo, opts)
	if err != nil {
		return nil, err
	}
	files, err := repo.Changed(ctx, rng.From, rng.To)
	if err != nil {
		return nil, err
	}
	return &Change{Repo: repo, Range: rng, Files: files}, nil
}

// FromFiles applies the rules to an already known list of changed files.
func FromFiles(ctx context.Context, ws *workspace.Workspace, g *graph.Graph, ch *Change) (*Result, error) {
	repo, changed := ch.Repo, ch.Files
	// The rules read files at the resolved commits.
	opts := Options{Base: ch.Range.From, Head: ch.Range.To}
	res := &Result{Base: ch.Range.Base.Ref, Head: ch.Range.Head, BaseUsed: ch.Range.Base, Changed: changed, Affected: []Item{}, Unowned: []string{}}
	direct := map[string]hit{}
	mark := func(name string, h hit) {
		// The first reason wins, except that a reason for every target
		// beats one for some (their targets add up), and a reason that
		// travels to dependents beats one that does not.
		prev, ok := direct[name]
		switch {
		case !ok:
			direct[name] = h
		case prev.targets != nil && h.targets != nil:
			for _, t := range h.targets {
				if !slices.Contains(prev.targets, t) {
					prev.targets = append(prev.targets, t)
				}
			}
			slices.Sort(prev.targets)
			direct[name] = prev
		case prev.targets != nil, !prev.travels() && h.travels():
			direct[name] = h
		}
	}
	var globals declared // found on the first changed global input
	globalsFound := false
	for _, f := range changed {
		global := false
		if matchAny(ws.Settings.GlobalInputs, f) {
			global = true
			if !globalsFound {
				globals, globalsFound = globalInputs(ws, g), true
			}
			for name, h := range globals.hits(f) {
				mark(name, h)
			}
		}
		switch {
		case f == "go.mod" || f == "go.sum":
			hits, err := goModRule(ctx, repo, opts, g, f)
			if err != nil {
				return nil, err
			}
			for name, h := range hits {
				mark(name, h)
			}
			continue
		case f == "package-lock.json":
			hits, err := npmLockRule(ctx, repo, opts, g)
			if err != nil {
				return nil, err
			}
			for name, h := range hits {
				mark(name, h)
			}
			continue
		}
		if env, ok := configEnv(ws, f); ok {
			hits, err := configRule(ctx, repo, opts, g, f, env)
			if err != nil {
				return nil, err
			}
			for name, h := range hits {
				mark(name, h)
			}
			continue
		}
		if cs := g.Owners(f); len(cs) > 0 {
			for _, c := range cs {
				mark(c.Name, hit{file: f, rule: RuleOwner})
			}
			continue
		}
		if !global {
			res.Unowned = append(res.Unowned, f)
		}
	}

	starts := make([]string, 0, len(direct))
	for name, h := range direct {
		if h.travels() {
			starts = append(starts, name)
		}
	}
	reached := g.Affects(starts)
	for name, h := range direct {
		// A direct hit for every target beats reaching the test target
		// alone.
		if r, ok := reached[name]; !ok || r.TestOnly && h.targets == nil {
			reached[name] = graph.Reach{Via: []string{name}}
		}
	}
	for name, reach := range reached {
		c := g.Get(name)
		h := direct[reach.Via[0]]
		it := Item{
			Name: name, Kind: c.Kind, Dir: c.Dir, Direct: len(reach.Via) == 1, TestOnly: reach.TestOnly,
			Reason: Reason{File: h.file, Rule: h.rule, Detail: h.detail, Path: reach.Via},
		}
		switch {
		case reach.TestOnly:
			it.Targets = []string{graph.TestTarget}
			if d, ok := direct[name]; ok {
				it.Targets = slices.Compact(slices.Sorted(slices.Values(append(it.Targets, d.targets...))))
			}
		case it.Direct:
			it.Targets = h.targets
		}
		res.Affected = append(res.Affected, it)
	}
	sort.Slice(res.Affected, func(i, j int) bool { return res.Affected[i].Name < res.Affected[j].Name })
	return res, nil
}

// Unowned returns the files of files (slash paths relative to the root)
// that no component owns, no global input matches and no rule reads (go.mod,
// go.sum, package-lock.json, the configuration files): a change to one
// affects nothing. It is the same test FromFiles applies to changed files.
func Unowned(ws *workspace.Workspace, g *graph.Graph, files []string) []string {
	out := []string{}
	for _, f := range files {
		if !ruled(ws, f) && !matchAny(ws.Settings.GlobalInputs, f) && len(g.Owners(f)) == 0 {
			out = append(out, f)
		}
	}
	return out
}

// ruled reports whether a rule other than ownership reads file.
func ruled(ws *workspace.Workspace, f string) bool {
	if f == "go.mod" || f == "go.sum" || f == "package-lock.json" {
		return true
	}
	_, ok := configEnv(ws, f)
	return ok
}

// configEnv returns the environment of f when it is base.yaml ("base")
// or <env>.yaml of the configuration folder.
func configEnv(ws *workspace.Workspace, f string) (string, bool) {
	configDir := strings.Trim(ws.Settings.ConfigDir, "/")
	if configDir == "" || path.Dir(f) != configDir || path.Ext(f) != ".yaml" {
		return "", false
	}
	env := strings.TrimSuffix(path.Base(f), ".yaml")
	return env, env == "base" || ws.ValidEnv(env)
}

// declared are the tasks that declare global inputs, found once per
// comparison and only read when a global input changed.
type declared []struct {
	comp    string
	targets map[string][]string
}

func globalInputs(ws *workspace.Workspace, g *graph.Graph) declared {
	var out declared
	for _, c := range g.Components() {
		if t := task.GlobalInputs(ws, c); t != nil {
			out = append(out, struct {
				comp    string
				targets map[string][]string
			}{c.Name, t})
		}
	}
	return out
}

// hits returns the components with a task that declares a global input
// matching file, with those targets.
func (d declared) hits(file string) map[string]hit {
	out := map[string]hit{}
	for _, c := range d {
		var targets []string
		for target, globs := range c.targets {
			if matchAny(globs, file) {
				targets = append(targets, target)
			}
		}
		if len(targets) > 0 {
			sort.Strings(targets)
			out[c.comp] = hit{file: file, rule: RuleGlobal, detail: strings.Join(targets, ", "), targets: targets}
		}
	}
	return out
}

func matchAny(globs []string, file string) bool {
	for _, g := range globs {
		if ok, _ := doublestar.Match(g, file); ok {
			return true
		}
	}
	return false
}

// Explain renders the reason as one line: the file, the rule and the path.
func (r Reason) Explain() string {
	var b strings.Builder
	b.WriteString(r.File)
	switch r.Rule {
	case RuleOwner:
		b.WriteString(" changed")
	default:
		fmt.Fprintf(&b, " changed (%s", r.Rule)
		if r.Detail != "" {
			b.WriteString(": " + r.Detail)
		}
		b.WriteString(")")
	}
	if len(r.Path) > 1 {
		b.WriteString(" via " + strings.Join(r.Path, " -> "))
	}
	return b.String()
}
