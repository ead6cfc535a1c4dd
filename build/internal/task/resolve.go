// Package task decides what `mono run` runs and when its result may come
// from the cache: it resolves the task of a target for a component (built-in
// defaults per kind, mono.yaml per kind, component.yaml per component),
// computes the content key of a task from its inputs, and explains a cache
// miss by comparing the inputs with those of the last run.
package task

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/acme/platform/build/internal/discover"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/workspace"
)

// Default environment variables and tools of the built-in tasks.
var (
	goEnv    = []string{"GOOS", "GOARCH", "GOAMD64", "GOARM64", "GOEXPERIMENT", "GOFLAGS", "GOTOOLCHAIN", "CGO_*"}
	goTools  = []string{"go"}
	nodeEnv  = []string{"NODE_ENV", "VITE_*"}
	nodeTool = []string{"node"}
)

// OutDirToken starts an output glob that lies in the shared output folder
// (.mono/out) rather than in the component's folder.
const OutDirToken = "$MONO_OUT/"

// RootToken starts an input glob relative to the workspace root rather than
// to the component's folder.
const RootToken = "$MONO_ROOT/"

// Facts are what the built-in tasks of a component depend on beyond its kind.
type Facts struct {
	// Scripts are the package.json scripts of a node-app.
	Scripts map[string]string
	// HasPyTests says whether a Python component has tests (a tests/
	// folder, conftest.py or pytest.ini).
	HasPyTests bool
	// GoMain is the package a Go program builds from, relative to its
	// folder: "." or, when the folder has no Go files of its own and
	// cmd/<name> exists, "./cmd/<name>".
	GoMain string
}

// Builtin returns the built-in tasks of a component by kind, before
// mono.yaml and component.yaml refine them.
//
//   - Go kinds: lint `go vet ./...`, test `go test ./...`; build
//     `go build ./...` for go-lib and `go build -o "$MONO_OUT/<name>" .`
//     (output $MONO_OUT/<name>; ./cmd/<name> instead of . when the folder
//     has no Go files itself) for go-service, go-job and go-tool.
//   - node-app: one target per package.json script, its text run with sh -c
//     (pre<name> and post<name> scripts around it, as npm does); build
//     outputs dist/**.
//   - terraform-stack, terraform-module: lint `terraform fmt -check -recursive`.
//   - python-app, python-dags: test `python3 -m pytest -q` when the
//     component has tests.
//   - helm-chart, helm-release: none; declare them in component.yaml.
func Builtin(c *graph.Component, f Facts) map[string]graph.Task {
	out := map[string]graph.Task{}
	switch {
	case c.Kind.IsGo():
		out["lint"] = graph.Task{Command: "go vet ./...", Env: goEnv, Tools: goTools}
		out["test"] = graph.Task{Command: "go test ./...", Env: goEnv, Tools: goTools}
		if c.Kind == graph.GoLib {
			out["build"] = graph.Task{Command: "go build ./...", Env: goEnv, Tools: goTools}
		} else {
			out["build"] = graph.Task{
				Command: fmt.Sprintf(`go build -o "$MONO_OUT/%s" %s`, c.Name, cmp.Or(f.GoMain, ".")),
				Outputs: []string{OutDirToken + c.Name},
				Env:     goEnv, Tools: goTools,
			}
		}
	case c.Kind == graph.NodeApp:
		for name, text := range f.Scripts {
			t := graph.Task{Command: npmCommand(f.Scripts, name, text), Env: nodeEnv, Tools: nodeTool}
			if name == "build" {
				t.Outputs = []string{"dist/**"}
			}
			out[name] = t
		}
	case c.Kind == graph.TerraformStack || c.Kind == graph.TerraformModule:
		out["lint"] = graph.Task{Command: "terraform fmt -check -recursive", Tools: []string{"terraform"}}
	case c.Kind == graph.PythonApp || c.Kind == graph.PythonDAGs:
		if f.HasPyTests {
			out["test"] = graph.Task{Command: "python3 -m pytest -q", Env: []string{"PYTHONPATH"}, Tools: []string{"python3"}}
		}
	}
	return out
}

// goMain returns "." when dir holds Go files, else "./cmd/<name>" when that
// folder exists, else ".".
func goMain(dir, name string) string {
	if m, _ := filepath.Glob(filepath.Join(dir, "*.go")); len(m) > 0 {
		return "."
	}
	if info, err := os.Stat(filepath.Join(dir, "cmd", name)); err == nil && info.IsDir() {
		return "./cmd/" + name
	}
	return "."
}

// npmCommand wraps a script with its pre and post scripts, as npm run does.
func npmCommand(scripts map[string]string, name, text string) string {
	if strings.HasPrefix(name, "pre") || strings.HasPrefix(name, "post") {
		return text
	}
	parts := []string{}
	if pre, ok := scripts["pre"+name]; ok {
		parts = append(parts, pre)
	}
	parts = append(parts, text)
	if post, ok := scripts["post"+name]; ok {
		parts = append(parts, post)
	}
	if len(parts) == 1 {
		return text
	}
	for i, p := range parts {
		parts[i] = "(" + p + ")"
	}
	return strings.Join(parts, " && ")
}

// Resolver finds the task of a target for a component. Later layers win:
// built-in defaults per kind < mono.yaml `tasks:` per kind < component.yaml
// `tasks:`. A layer that defines a target replaces its command; fields it
// leaves empty (inputs, outputs, env, tools, cache) are inherited from the
// layer below (globalInputs too).
type Resolver struct {
	ws *workspace.Workspace

	mu   sync.Mutex
	byDC map[string]map[string]graph.Task // component name -> resolved tasks
	// from says, by component and target, which file declared the task's
	// dependsOn (mono.yaml or the component.yaml), for error messages.
	from map[string]map[string]string
}

// NewResolver returns a resolver for the components of ws.
func NewResolver(ws *workspace.Workspace) *Resolver {
	return &Resolver{ws: ws, byDC: map[string]map[string]graph.Task{}, from: map[string]map[string]string{}}
}

// Tasks returns every task of c by target.
func (r *Resolver) Tasks(c *graph.Component) (map[string]graph.Task, error) {
	r.mu.Lock()
	tasks, ok := r.byDC[c.Name]
	r.mu.Unlock()
	if ok {
		return tasks, nil
	}
	f := Facts{Scripts: c.Scripts}
	if c.Kind == graph.NodeApp && c.Scripts == nil {
		file := path.Join(c.Dir, "package.json")
		data, err := os.ReadFile(r.ws.Path(file))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		if err == nil {
			p, err := discover.ReadPackageJSON(file, data)
			if err != nil {
				return nil, err
			}
			f.Scripts = p.Scripts
		}
	}
	if c.Kind == graph.PythonApp || c.Kind == graph.PythonDAGs {
		for _, n := range []string{"tests", "conftest.py", "pytest.ini"} {
			if _, err := os.Stat(r.ws.Path(path.Join(c.Dir, n))); err == nil {
				f.HasPyTests = true
			}
		}
	}
	if c.Kind.IsGo() && c.Kind != graph.GoLib {
		f.GoMain = goMain(r.ws.Path(c.Dir), c.Name)
	}
	tasks = Builtin(c, f)
	from := map[string]string{}
	for target, t := range r.ws.Settings.Tasks[c.Kind] {
		tasks[target] = merge(tasks[target], t)
		if t.DependsOn != nil {
			from[target] = workspace.FileName
		}
	}
	for target, t := range c.Tasks {
		tasks[target] = merge(tasks[target], t)
		if t.DependsOn != nil {
			from[target] = c.Manifest
		}
	}
	r.mu.Lock()
	r.byDC[c.Name] = tasks
	r.from[c.Name] = from
	r.mu.Unlock()
	return tasks, nil
}

// Resolve returns the task of target for c and whether c has one.
func (r *Resolver) Resolve(c *graph.Component, target string) (graph.Task, bool, error) {
	tasks, err := r.Tasks(c)
	if err != nil {
		return graph.Task{}, false, err
	}
	t, ok := tasks[target]
	return t, ok, nil
}

// Targets returns the targets of the given components, sorted.
func (r *Resolver) Targets(comps []*graph.Component) ([]string, error) {
	set := map[string]bool{}
	for _, c := range comps {
		tasks, err := r.Tasks(c)
		if err != nil {
			return nil, err
		}
		for t := range tasks {
			set[t] = true
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out, nil
}

// GlobalInputs returns, by target, the global inputs the tasks of c
// declare (mono.yaml per kind, then component.yaml, as Tasks merges them),
// without reading anything: the built-in tasks declare none.
func GlobalInputs(ws *workspace.Workspace, c *graph.Component) map[string][]string {
	var out map[string][]string
	set := func(target string, globs []string) {
		if globs == nil {
			return
		}
		if out == nil {
			out = map[string][]string{}
		}
		out[target] = globs
	}
	for target, t := range ws.Settings.Tasks[c.Kind] {
		set(target, t.GlobalInputs)
	}
	for target, t := range c.Tasks {
		set(target, t.GlobalInputs)
	}
	return out
}

// merge lays over on top of base: over's command wins, and its empty
// fields are taken from base.
func merge(base, over graph.Task) graph.Task {
	out := over
	if out.Command == "" {
		out.Command = base.Command
	}
	if out.Inputs == nil {
		out.Inputs = base.Inputs
	}
	if out.Outputs == nil {
		out.Outputs = base.Outputs
	}
	if out.Env == nil {
		out.Env = base.Env
	}
	if out.Tools == nil {
		out.Tools = base.Tools
	}
	if out.Cache == nil {
		out.Cache = base.Cache
	}
	if out.GlobalInputs == nil {
		out.GlobalInputs = base.GlobalInputs
	}
	if out.DependsOn == nil {
		out.DependsOn = base.DependsOn
	}
	return out
}
