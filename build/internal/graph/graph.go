// Package graph holds the component model of the repository and the
// dependency graph over it: ordering, cycles, dependents and paths.
package graph

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/acme/platform/build/internal/suggest"
)

// Kind says what sort of thing a component is; it decides the default tasks
// and whether the component is deployed per environment.
type Kind string

// The kinds mono knows.
const (
	GoService       Kind = "go-service"
	GoJob           Kind = "go-job"
	GoLib           Kind = "go-lib"
	GoTool          Kind = "go-tool"
	PythonDAGs      Kind = "python-dags"
	PythonApp       Kind = "python-app"
	NodeApp         Kind = "node-app"
	TerraformStack  Kind = "terraform-stack"
	TerraformModule Kind = "terraform-module"
	HelmChart       Kind = "helm-chart"
	HelmRelease     Kind = "helm-release"
	// Ansible is a playbook with its roles (the dev server's setup); it
	// has no built-in tasks.
	Ansible Kind = "ansible"
)

// Kinds lists every known kind, in a stable order.
var Kinds = []Kind{GoService, GoJob, GoLib, GoTool, PythonDAGs, PythonApp, NodeApp, TerraformStack, TerraformModule, HelmChart, HelmRelease, Ansible}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, known := range Kinds {
		if k == known {
			return true
		}
	}
	return false
}

// IsGo reports whether components of this kind are Go packages.
func (k Kind) IsGo() bool { return strings.HasPrefix(string(k), "go-") }

// Deployable reports whether components of this kind run in an environment
// and read its configuration (config/<env>.yaml).
func (k Kind) Deployable() bool {
	switch k {
	case GoService, GoJob, PythonDAGs, PythonApp, NodeApp, HelmRelease:
		return true
	}
	return false
}

// Task is how one target (lint, test, build, ...) runs for a component.
type Task struct {
	// Command is run with sh -c in the component's folder.
	Command string `yaml:"command" json:"command"`
	// Inputs are globs relative to the component folder; files matching
	// them are hashed. Empty means every file of the component.
	Inputs []string `yaml:"inputs,omitempty" json:"inputs,omitempty"`
	// GlobalInputs are globs, relative to the repository root, of the
	// workspace's global inputs (mono.yaml globalInputs) that the task
	// reads: files matching them are hashed, and a change to one affects
	// the task.
	GlobalInputs []string `yaml:"globalInputs,omitempty" json:"globalInputs,omitempty"`
	// Outputs are globs relative to the component folder that a cache hit
	// restores.
	Outputs []string `yaml:"outputs,omitempty" json:"outputs,omitempty"`
	// Env names the environment variables the task reads (NAME, or a
	// prefix PREFIX_*): its process sees only these and a small base set,
	// and their values are part of the hash.
	Env []string `yaml:"env,omitempty" json:"env,omitempty"`
	// Tools names programs whose version (`<tool> version` or
	// `<tool> --version`) is part of the hash.
	Tools []string `yaml:"tools,omitempty" json:"tools,omitempty"`
	// Cache false always runs the task.
	Cache *bool `yaml:"cache,omitempty" json:"cache,omitempty"`
	// DependsOn are the tasks that must succeed before this one starts:
	// "^x" the target x of the component's dependencies, "x" its own
	// target x. Nil means ["^<target>"]; empty means none.
	DependsOn []string `yaml:"dependsOn,omitempty" json:"dependsOn,omitempty"`
}

// CheckEnv returns an error for the first env entry that is neither a
// variable name (letters, digits, _; not starting with a digit) nor such a
// name followed by * (a prefix).
func (t Task) CheckEnv(target string) error {
	for _, e := range t.Env {
		name := strings.TrimSuffix(e, "*")
		ok := name != "" && !(name[0] >= '0' && name[0] <= '9')
		for _, r := range name {
			if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
				ok = false
			}
		}
		if !ok {
			return fmt.Errorf("tasks.%s.env: %q is not a variable name or a prefix ending in * (NAME, PREFIX_*)", target, e)
		}
	}
	return nil
}

// Cacheable reports whether the task's result may be taken from the cache.
func (t Task) Cacheable() bool { return t.Cache == nil || *t.Cache }

// Deploy holds a component's deploy settings.
type Deploy struct {
	// Envs are the environments the component is deployed to; empty means all.
	Envs []string `yaml:"envs,omitempty" json:"envs,omitempty"`
	// Settings are kind-specific values read by the deploy commands.
	Settings map[string]any `yaml:"settings,omitempty" json:"settings,omitempty"`
}

// Component is anything built, tested or deployed on its own.
type Component struct {
	Name   string   `json:"name"`
	Kind   Kind     `json:"kind"`
	Dir    string   `json:"dir"` // slash-separated, relative to the repository root
	Owners []string `json:"owners,omitempty"`
	// Depends are the names of the components this one uses, inferred and
	// explicit, sorted: every edge, test-only ones included.
	Depends []string `json:"depends,omitempty"`
	// TestDepends are the entries of Depends used only by tests (Go
	// imports found only in _test.go files), sorted. Such an edge counts
	// for the test target alone: see DependsFor.
	TestDepends []string `json:"testDepends,omitempty"`
	// Manifest is the component.yaml that declared or refined it, if any.
	Manifest string          `json:"manifest,omitempty"`
	Tasks    map[string]Task `json:"tasks,omitempty"`
	Deploy   Deploy          `json:"deploy,omitzero"`
	// Modules are the Go modules (from go.mod) whose packages this
	// component imports directly, sorted.
	Modules []string `json:"modules,omitempty"`
	// TestModules are the entries of Modules imported only by _test.go
	// files, sorted: like a test-only edge, they count for the test target
	// alone.
	TestModules []string `json:"testModules,omitempty"`
	// Package is the npm package name of a node-app.
	Package string `json:"package,omitempty"`
	// Scripts are the package.json scripts of a node-app, as discovery
	// read them (nil when it did not: the task resolver reads the file).
	Scripts map[string]string `json:"-"`
	// Exclude are globs, relative to Dir, of files in the folder that the
	// component does not own. Components share a folder only this way: the
	// Terraform environment root is one stack per environment, each leaving
	// out the other environments' variable and backend files.
	Exclude []string `json:"exclude,omitempty"`
}

// TestTarget is the one target for which test-only edges count.
const TestTarget = "test"

// TestOnly reports whether c uses dep only in tests.
func (c *Component) TestOnly(dep string) bool {
	i := sort.SearchStrings(c.TestDepends, dep)
	return i < len(c.TestDepends) && c.TestDepends[i] == dep
}

// DependsFor returns the dependencies that count for target: all of
// Depends for the test target, Depends less TestDepends for any other.
func (c *Component) DependsFor(target string) []string {
	if target == TestTarget || len(c.TestDepends) == 0 {
		return c.Depends
	}
	out := make([]string, 0, len(c.Depends))
	for _, d := range c.Depends {
		if !c.TestOnly(d) {
			out = append(out, d)
		}
	}
	return out
}

// ModulesFor returns the Go modules that count for target: all of Modules
// for the test target, Modules less TestModules for any other.
func (c *Component) ModulesFor(target string) []string {
	if target == TestTarget || len(c.TestModules) == 0 {
		return c.Modules
	}
	out := make([]string, 0, len(c.Modules))
	for _, m := range c.Modules {
		if i := sort.SearchStrings(c.TestModules, m); i == len(c.TestModules) || c.TestModules[i] != m {
			out = append(out, m)
		}
	}
	return out
}

// Owns reports whether the component owns the slash-separated repository
// path file: it is under Dir and matches none of Exclude.
func (c *Component) Owns(file string) bool {
	rel, ok := strings.CutPrefix(file, c.Dir+"/")
	if !ok {
		return false
	}
	for _, g := range c.Exclude {
		if m, _ := path.Match(g, rel); m {
			return false
		}
	}
	return true
}

// DeployedTo reports whether the component is deployed to env.
func (c *Component) DeployedTo(env string) bool {
	if !c.Kind.Deployable() {
		return false
	}
	if len(c.Deploy.Envs) == 0 {
		return true
	}
	for _, e := range c.Deploy.Envs {
		if e == env {
			return true
		}
	}
	return false
}

// Graph is the set of components and their dependency edges.
type Graph struct {
	byName     map[string]*Component
	names      []string            // sorted
	dependents map[string][]string // reverse edges, sorted
	byDir      map[string][]*Component
}

// ErrUnknown is returned for a component name the graph does not hold.
var ErrUnknown = errors.New("unknown component")

// CycleError names a dependency cycle.
type CycleError struct{ Cycle []string }

func (e *CycleError) Error() string {
	return "dependency cycle: " + strings.Join(e.Cycle, " -> ")
}

// New builds a graph. It fails on duplicate names, dependencies on unknown
// components and cycles.
func New(components []*Component) (*Graph, error) {
	g := &Graph{
		byName:     make(map[string]*Component, len(components)),
		byDir:      make(map[string][]*Component, len(components)),
		dependents: map[string][]string{},
	}
	for _, c := range components {
		for _, prev := range g.byDir[c.Dir] {
			if len(prev.Exclude) == 0 || len(c.Exclude) == 0 {
				return nil, fmt.Errorf("components %q and %q share the folder %s: one folder holds one component", prev.Name, c.Name, c.Dir)
			}
		}
		g.byDir[c.Dir] = append(g.byDir[c.Dir], c)
		if prev, ok := g.byName[c.Name]; ok {
			return nil, fmt.Errorf("component name %q is used by both %s and %s: set a distinct name in a component.yaml", c.Name, prev.Dir, c.Dir)
		}
		g.byName[c.Name] = c
		g.names = append(g.names, c.Name)
	}
	sort.Strings(g.names)
	for _, name := range g.names {
		c := g.byName[name]
		sort.Strings(c.Depends)
		sort.Strings(c.TestDepends)
		for _, d := range c.TestDepends {
			if i := sort.SearchStrings(c.Depends, d); i == len(c.Depends) || c.Depends[i] != d {
				return nil, fmt.Errorf("component %q: test dependency %q is not among its dependencies", c.Name, d)
			}
		}
		for _, d := range c.Depends {
			if _, ok := g.byName[d]; !ok {
				where := c.Dir
				if c.Manifest != "" {
					where = c.Manifest
				}
				return nil, fmt.Errorf("%s: component %q depends on %q: %w%s", where, c.Name, d, ErrUnknown, g.Suggest(d))
			}
			g.dependents[d] = append(g.dependents[d], c.Name)
		}
	}
	if cyc := g.findCycle(); cyc != nil {
		return nil, &CycleError{Cycle: cyc}
	}
	return g, nil
}

// Names returns every component name, sorted.
func (g *Graph) Names() []string { return g.names }

// Len is the number of components.
func (g *Graph) Len() int { return len(g.names) }

// Get returns the named component, or nil.
func (g *Graph) Get(name string) *Component { return g.byName[name] }

// Components returns every component sorted by name.
func (g *Graph) Components() []*Component {
	out := make([]*Component, len(g.names))
	for i, n := range g.names {
		out[i] = g.byName[n]
	}
	return out
}

// Lookup returns the named component or an error that suggests the closest
// known name.
func (g *Graph) Lookup(name string) (*Component, error) {
	if c, ok := g.byName[name]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("%w %q%s", ErrUnknown, name, g.Suggest(name))
}

// Suggest returns ` (did you mean "x"?)` for the closest known name, or "".
func (g *Graph) Suggest(name string) string {
	if best := suggest.Closest(name, g.names); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// Dependents returns the components that depend on name directly.
func (g *Graph) Dependents(name string) []string { return g.dependents[name] }

// findCycle returns one cycle as a closed path, or nil.
func (g *Graph) findCycle() []string {
	const (
		white = iota
		grey
		black
	)
	color := make(map[string]int, len(g.names))
	var stack []string
	var visit func(string) []string
	visit = func(n string) []string {
		color[n] = grey
		stack = append(stack, n)
		for _, d := range g.byName[n].Depends {
			switch color[d] {
			case grey:
				i := len(stack) - 1
				for stack[i] != d {
					i--
				}
				return append(append([]string{}, stack[i:]...), d)
			case white:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		return nil
	}
	for _, n := range g.names {
		if color[n] == white {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}

// Order returns the given components and all their transitive dependencies
// in dependency order: every component after the ones it depends on. Ties
// are broken by name so the order is stable.
func (g *Graph) Order(names []string) []string {
	seen := map[string]bool{}
	var out []string
	var visit func(string)
	visit = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, d := range g.byName[n].Depends {
			visit(d)
		}
		out = append(out, n)
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	for _, n := range sorted {
		visit(n)
	}
	return out
}

// Deps returns the transitive dependencies of name (not name itself), sorted.
func (g *Graph) Deps(name string) []string {
	order := g.Order([]string{name})
	out := order[:len(order)-1]
	sort.Strings(out)
	return out
}

// Reach is a component reached by walking dependents from a start set.
type Reach struct {
	// Via is the path from the start component to this one, both included.
	Via []string
	// TestOnly is set by Affects when only the test target is reached:
	// the last step of Via is a test-only edge and no path of full edges
	// leads here.
	TestOnly bool
}

// DependentsClosure walks reverse edges, every one, from the start
// components and returns every reached component (the starts included)
// with the shortest path that reached it.
func (g *Graph) DependentsClosure(starts []string) map[string]Reach {
	return g.walkDependents(starts, false)
}

// Affects walks reverse edges from the start components as a change
// travels: full edges carry it on, a test-only edge reaches the dependent's
// test target and stops there (its tests are not compiled into anything
// else). Every reached component (the starts included) comes with the
// shortest path; components reached only through a test-only edge have
// TestOnly set.
func (g *Graph) Affects(starts []string) map[string]Reach {
	return g.walkDependents(starts, true)
}

// walkDependents is a breadth-first walk over reverse edges; with
// testStops a test-only edge marks its dependent TestOnly and goes no
// further, and a later path of full edges replaces that reach.
func (g *Graph) walkDependents(starts []string, testStops bool) map[string]Reach {
	out := map[string]Reach{}
	queue := make([]string, 0, len(starts))
	sorted := append([]string(nil), starts...)
	sort.Strings(sorted)
	for _, s := range sorted {
		if _, ok := out[s]; ok {
			continue
		}
		out[s] = Reach{Via: []string{s}}
		queue = append(queue, s)
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, d := range g.dependents[n] {
			if r, ok := out[d]; ok && !r.TestOnly {
				continue
			}
			via := append(append(make([]string, 0, len(out[n].Via)+1), out[n].Via...), d)
			if testStops && g.byName[d].TestOnly(n) {
				if _, ok := out[d]; !ok {
					out[d] = Reach{Via: via, TestOnly: true}
				}
				continue
			}
			out[d] = Reach{Via: via}
			queue = append(queue, d)
		}
	}
	return out
}

// Path returns the shortest dependency path from a to b (a depends on ... on
// b) over every edge, or nil when a does not depend on b.
func (g *Graph) Path(a, b string) []string { return g.PathFor(a, b, TestTarget) }

// PathFor is Path over the edges that count for target (see DependsFor).
func (g *Graph) PathFor(a, b, target string) []string {
	prev := map[string]string{a: ""}
	queue := []string{a}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n == b {
			var path []string
			for x := b; x != ""; x = prev[x] {
				path = append([]string{x}, path...)
			}
			return path
		}
		for _, d := range g.byName[n].DependsFor(target) {
			if _, ok := prev[d]; !ok {
				prev[d] = n
				queue = append(queue, d)
			}
		}
	}
	return nil
}

// Owners returns the components that own the slash-separated repository
// path file: those of the deepest folder holding it that has components,
// less the ones that exclude the file. Mostly one; the stacks of the
// Terraform environment root share its .tf files. Nil when none does.
func (g *Graph) Owners(file string) []*Component {
	for dir := path.Dir(file); dir != "." && dir != "/"; dir = path.Dir(dir) {
		cs, ok := g.byDir[dir]
		if !ok {
			continue
		}
		var out []*Component
		for _, c := range cs {
			if c.Owns(file) {
				out = append(out, c)
			}
		}
		return out
	}
	return nil
}

// Needs returns what the task of target waits for: its DependsOn, or
// ["^<target>"] when it declares none.
func (t Task) Needs(target string) []string {
	if t.DependsOn == nil {
		return []string{"^" + target}
	}
	return t.DependsOn
}

// CheckDependsOn returns an error for a dependsOn entry that is not a
// target name, with or without a leading ^, or that is listed twice.
func (t Task) CheckDependsOn(target string) error {
	seen := map[string]bool{}
	for _, d := range t.DependsOn {
		name := strings.TrimPrefix(d, "^")
		if name == "" || strings.ContainsAny(name, "^ \t:/") {
			return fmt.Errorf("tasks.%s.dependsOn: %q is not a target (build) or a target of the dependencies (^build)", target, d)
		}
		if seen[d] {
			return fmt.Errorf("tasks.%s.dependsOn: %q is listed twice", target, d)
		}
		seen[d] = true
	}
	return nil
}
