// Package discover finds the components of a repository and the
// dependencies between them, with as little configuration as possible:
// Go packages by their import blocks, npm workspaces by package.json,
// Python apps by pyproject.toml, Terraform by module sources, Helm charts
// by Chart.yaml, and a component.yaml wherever more must be said.
package discover

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/strictyaml"
	"github.com/acme/platform/build/internal/workspace"
)

// ManifestName is the per-component manifest file.
const ManifestName = "component.yaml"

// Manifest is the content of a component.yaml. Every field is optional
// where discovery can infer it; kind is required where it cannot.
type Manifest struct {
	Name    string                `yaml:"name"`
	Kind    graph.Kind            `yaml:"kind"`
	Owners  []string              `yaml:"owners"`
	Depends []string              `yaml:"depends"`
	Tasks   map[string]graph.Task `yaml:"tasks"`
	Deploy  graph.Deploy          `yaml:"deploy"`
	// PerEnv makes a terraform-stack one component per environment of
	// deploy.envs, named <name>-<env>: each owns the folder's shared files
	// and its own <env>.tfvars and <env>.backend.hcl, not the other
	// environments' ones.
	PerEnv bool `yaml:"perEnv"`
}

// tree is what one walk of the repository collects.
type tree struct {
	manifests map[string]bool     // dir -> has component.yaml
	goFiles   map[string][]string // dir -> .go file names
	pyproject map[string]bool
	tfDirs    map[string]bool
	charts    map[string]bool
	pkgJSON   map[string]bool
	listings  Listings
}

// Discover walks the workspace and returns its component graph.
func Discover(ws *workspace.Workspace) (*graph.Graph, error) {
	g, _, err := DiscoverListed(ws)
	return g, err
}

// Listings are the entries of the folders a discovery read, by slash path
// relative to the root ("" for the root), unsorted.
type Listings map[string][]fs.DirEntry

// ReadDir returns the entries of the folder rel below root, unsorted: from
// the listing when discovery read the folder, else from the disk.
func (l Listings) ReadDir(root, rel string) ([]fs.DirEntry, error) {
	if entries, ok := l[rel]; ok {
		return entries, nil
	}
	return readDir(filepath.Join(root, filepath.FromSlash(rel)))
}

// DiscoverListed is Discover that also returns the folder listings it read,
// for a caller that reads the same folders again (mono run's input scan).
func DiscoverListed(ws *workspace.Workspace) (*graph.Graph, Listings, error) {
	t, err := walk(ws)
	if err != nil {
		return nil, nil, err
	}
	g, err := build(ws, t)
	return g, t.listings, err
}

// build makes the graph from what the walk found.
func build(ws *workspace.Workspace, t *tree) (*graph.Graph, error) {
	comps := map[string]*graph.Component{} // by dir
	add := func(c *graph.Component) {
		if _, ok := comps[c.Dir]; !ok {
			comps[c.Dir] = c
		}
	}

	// Go components: each subfolder of a Go root that holds Go files.
	for root, kind := range ws.Settings.GoRoots {
		for dir := range t.goFiles {
			if rel, ok := strings.CutPrefix(dir, root+"/"); ok {
				top := strings.SplitN(rel, "/", 2)[0]
				add(&graph.Component{Name: top, Kind: kind, Dir: root + "/" + top})
			}
		}
	}
	// npm workspaces.
	npm, err := readNPMWorkspaces(ws, t)
	if err != nil {
		return nil, err
	}
	for _, p := range npm {
		add(&graph.Component{Name: p.Name, Kind: graph.NodeApp, Dir: p.Dir, Package: p.Name, Scripts: p.JSON.Scripts})
	}
	// Python apps and the DAG folder.
	for dir := range t.pyproject {
		kind := graph.PythonApp
		if path.Base(dir) == "dags" {
			kind = graph.PythonDAGs
		}
		add(&graph.Component{Name: path.Base(dir), Kind: kind, Dir: dir})
	}
	// Helm charts.
	for dir := range t.charts {
		add(&graph.Component{Name: path.Base(dir), Kind: graph.HelmChart, Dir: dir})
	}
	// Terraform: outermost folders with .tf files; modules/<m> are modules.
	for _, dir := range outermost(t.tfDirs) {
		if path.Base(path.Dir(dir)) == "modules" {
			add(&graph.Component{Name: "tfmod-" + path.Base(dir), Kind: graph.TerraformModule, Dir: dir})
			continue
		}
		add(&graph.Component{Name: "infra-" + path.Base(dir), Kind: graph.TerraformStack, Dir: dir})
	}

	// Manifests refine or declare components.
	perEnv := map[string]bool{}
	for dir := range t.manifests {
		split, err := applyManifest(ws, dir, comps)
		if err != nil {
			return nil, err
		}
		perEnv[dir] = split
	}

	list := make([]*graph.Component, 0, len(comps))
	for dir, c := range comps {
		if perEnv[dir] {
			list = append(list, splitPerEnv(c)...)
			continue
		}
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Dir != list[j].Dir {
			return list[i].Dir < list[j].Dir
		}
		return list[i].Name < list[j].Name
	})
	owner := ownerFunc(comps)

	if err := inferGo(ws, t, list, owner); err != nil {
		return nil, err
	}
	inferNPM(npm, comps)
	if err := inferTerraform(ws, list, owner); err != nil {
		return nil, err
	}
	for _, c := range list {
		c.TestDepends = testOnly(c)
		c.Depends = dedupe(c.Depends, c.Name)
	}
	return graph.New(list)
}

// walk collects, in one pass, every file discovery looks at. Folders are
// read in parallel by a few workers taking them from a shared queue: on a
// large tree the directory reads are most of the cost of discovery (a
// goroutine per folder spent a tenth of it growing stacks).
func walk(ws *workspace.Workspace) (*tree, error) {
	t := &tree{
		manifests: map[string]bool{}, goFiles: map[string][]string{}, pyproject: map[string]bool{},
		tfDirs: map[string]bool{}, charts: map[string]bool{}, pkgJSON: map[string]bool{},
		listings: Listings{},
	}
	ignore := ws.Settings.Ignore
	var (
		mu       sync.Mutex
		more     = sync.NewCond(&mu) // the queue grew, or the walk ended
		queue    = []string{""}
		reading  int // folders taken from the queue and not yet done
		firstErr error
		wg       sync.WaitGroup
	)
	// add records a folder's entries and queues its subfolders; mu held.
	add := func(rel string, entries []fs.DirEntry) {
		t.listings[rel] = entries
		dir := rel
		if dir == "" {
			dir = "."
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() {
				child := path.Join(rel, name)
				if !ignored(child, name, ignore) {
					queue = append(queue, child)
				}
				continue
			}
			switch {
			case name == ManifestName:
				t.manifests[dir] = true
			case strings.HasSuffix(name, ".go"):
				t.goFiles[dir] = append(t.goFiles[dir], name)
			case name == "pyproject.toml":
				t.pyproject[dir] = true
			case strings.HasSuffix(name, ".tf"):
				t.tfDirs[dir] = true
			case name == "Chart.yaml":
				t.charts[dir] = true
			case name == "package.json":
				t.pkgJSON[dir] = true
			}
		}
	}
	for range 2 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			mu.Lock()
			defer mu.Unlock()
			for {
				for len(queue) == 0 && reading > 0 {
					more.Wait()
				}
				if len(queue) == 0 {
					return // nothing queued, nothing being read: done
				}
				rel := queue[len(queue)-1]
				queue = queue[:len(queue)-1]
				reading++
				mu.Unlock()
				entries, err := readDir(filepath.Join(ws.Root, filepath.FromSlash(rel)))
				mu.Lock()
				reading--
				switch {
				case err != nil && firstErr == nil:
					firstErr = fmt.Errorf("walk %s: %w", ws.Root, err)
				case err == nil:
					add(rel, entries)
				}
				more.Broadcast()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	delete(t.pyproject, ".") // a root pyproject is tooling, not an app
	delete(t.pkgJSON, ".")
	delete(t.tfDirs, ".")
	return t, nil
}

// readDir lists a folder without sorting it.
func readDir(dir string) ([]fs.DirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

func ignored(rel, name string, globs []string) bool {
	if strings.HasPrefix(name, ".") && name != ".ci" {
		return true
	}
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
		if ok, _ := path.Match(g, rel); ok {
			return true
		}
	}
	return false
}

// outermost returns the folders of set that have no ancestor in set, sorted.
func outermost(set map[string]bool) []string {
	var out []string
	for dir := range set {
		nested := false
		for d := path.Dir(dir); d != "." && d != "/"; d = path.Dir(d) {
			if set[d] {
				nested = true
				break
			}
		}
		if !nested {
			out = append(out, dir)
		}
	}
	sort.Strings(out)
	return out
}

// applyManifest applies the component.yaml of dir and reports whether the
// component is to be split per environment (perEnv).
func applyManifest(ws *workspace.Workspace, dir string, comps map[string]*graph.Component) (bool, error) {
	file := path.Join(dir, ManifestName)
	data, err := os.ReadFile(ws.Path(file))
	if err != nil {
		return false, fmt.Errorf("read %s: %w", file, err)
	}
	var m Manifest
	if err := strictyaml.Decode(file, data, &m); err != nil {
		return false, err
	}
	c, ok := comps[dir]
	if !ok {
		if m.Kind == "" {
			return false, &strictyaml.Error{File: file, Line: 1, Msg: fmt.Sprintf("kind is required: discovery found no component in %s (kinds: %s)", dir, kindList())}
		}
		c = &graph.Component{Name: path.Base(dir), Dir: dir}
		comps[dir] = c
	}
	if m.Kind != "" {
		if !m.Kind.Valid() {
			return false, &strictyaml.Error{File: file, Line: strictyaml.KeyLine(data, "kind"), Msg: fmt.Sprintf("unknown kind %q (kinds: %s)", m.Kind, kindList())}
		}
		c.Kind = m.Kind
	}
	if m.Name != "" {
		c.Name = m.Name
	}
	c.Manifest = file
	c.Owners = m.Owners
	c.Depends = append(c.Depends, m.Depends...)
	c.Tasks = m.Tasks
	for target, task := range m.Tasks {
		if strings.TrimSpace(task.Command) == "" && task.DependsOn == nil {
			return false, &strictyaml.Error{File: file, Line: strictyaml.KeyLine(data, "tasks", target), Msg: fmt.Sprintf("tasks.%s.command is required (or only dependsOn, to change the order of the default task)", target)}
		}
		if err := task.CheckDependsOn(target); err != nil {
			return false, &strictyaml.Error{File: file, Line: strictyaml.KeyLine(data, "tasks", target, "dependsOn"), Msg: err.Error()}
		}
		if err := ws.Settings.CheckGlobalInputs(target, task.GlobalInputs); err != nil {
			return false, &strictyaml.Error{File: file, Line: strictyaml.KeyLine(data, "tasks"), Msg: err.Error()}
		}
		if err := task.CheckEnv(target); err != nil {
			return false, &strictyaml.Error{File: file, Line: strictyaml.KeyLine(data, "tasks", target, "env"), Msg: err.Error()}
		}
	}
	if len(m.Deploy.Envs) > 0 || m.Deploy.Settings != nil {
		for _, e := range m.Deploy.Envs {
			if !ws.ValidEnv(e) {
				return false, &strictyaml.Error{File: file, Line: strictyaml.KeyLine(data, "deploy"), Msg: fmt.Sprintf("deploy.envs: unknown environment %q (environments: %s)", e, strings.Join(ws.Settings.Environments, ", "))}
			}
		}
		c.Deploy = m.Deploy
	}
	if m.PerEnv && (c.Kind != graph.TerraformStack || len(c.Deploy.Envs) == 0) {
		return false, &strictyaml.Error{File: file, Line: strictyaml.KeyLine(data, "perEnv"), Msg: "perEnv needs kind terraform-stack and deploy.envs (the environments to make a stack for)"}
	}
	return m.PerEnv, nil
}

// splitPerEnv returns one stack per environment of c.Deploy.Envs, named
// <name>-<env>, each owning the folder less the other environments'
// variable and backend files.
func splitPerEnv(c *graph.Component) []*graph.Component {
	var out []*graph.Component
	for _, env := range c.Deploy.Envs {
		s := *c
		s.Name = c.Name + "-" + env
		s.Deploy = graph.Deploy{Envs: []string{env}, Settings: c.Deploy.Settings}
		s.Depends = append([]string(nil), c.Depends...)
		s.Exclude = nil
		for _, other := range c.Deploy.Envs {
			if other != env {
				s.Exclude = append(s.Exclude, other+".tfvars", other+".backend.hcl")
			}
		}
		out = append(out, &s)
	}
	return out
}

func kindList() string {
	s := make([]string, len(graph.Kinds))
	for i, k := range graph.Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// ownerFunc returns a lookup from a slash path to its deepest owning component.
func ownerFunc(byDir map[string]*graph.Component) func(string) *graph.Component {
	return func(dir string) *graph.Component {
		for d := dir; d != "." && d != "/" && d != ""; d = path.Dir(d) {
			if c, ok := byDir[d]; ok {
				return c
			}
		}
		return nil
	}
}

// testOnly returns the test-only Go imports of c that no other source
// (component.yaml depends, a non-test import) also names: Go inference adds
// each dependency once, so a second entry in Depends comes from elsewhere.
func testOnly(c *graph.Component) []string {
	if len(c.TestDepends) == 0 {
		return nil
	}
	count := make(map[string]int, len(c.Depends))
	for _, d := range c.Depends {
		count[d]++
	}
	var out []string
	for _, d := range c.TestDepends {
		if count[d] == 1 {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

func dedupe(deps []string, self string) []string {
	if len(deps) == 0 {
		return nil
	}
	sort.Strings(deps)
	out := deps[:0]
	for i, d := range deps {
		if d == self || (i > 0 && d == deps[i-1]) {
			continue
		}
		out = append(out, d)
	}
	return out
}
