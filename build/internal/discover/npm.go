package discover

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"runtime"
	"sort"
	"sync"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/workspace"
)

// PackageJSON is the part of a package.json that mono reads.
type PackageJSON struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	Scripts              map[string]string `json:"scripts"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	Workspaces           json.RawMessage   `json:"workspaces"`
}

// AllDependencies returns every dependency name the package declares, sorted.
func (p *PackageJSON) AllDependencies() []string {
	set := map[string]bool{}
	for _, m := range []map[string]string{p.Dependencies, p.DevDependencies, p.PeerDependencies, p.OptionalDependencies} {
		for k := range m {
			set[k] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// WorkspaceGlobs returns the workspace patterns of a root package.json, in
// either the array or the {"packages": [...]} form.
func (p *PackageJSON) WorkspaceGlobs() ([]string, error) {
	if len(p.Workspaces) == 0 {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(p.Workspaces, &list); err == nil {
		return list, nil
	}
	var obj struct {
		Packages []string `json:"packages"`
	}
	if err := json.Unmarshal(p.Workspaces, &obj); err != nil {
		return nil, fmt.Errorf("workspaces must be a list of globs or {\"packages\": [...]}")
	}
	return obj.Packages, nil
}

// ReadPackageJSON parses one package.json; file names it in errors.
func ReadPackageJSON(file string, data []byte) (*PackageJSON, error) {
	var p PackageJSON
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", file, jsonErr(data, err))
	}
	return &p, nil
}

// jsonErr adds the line to a JSON syntax or type error.
func jsonErr(data []byte, err error) error {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	}
	if off < 0 {
		return err
	}
	line := 1
	for _, b := range data[:min(int(off), len(data))] {
		if b == '\n' {
			line++
		}
	}
	return fmt.Errorf("line %d: %w", line, err)
}

// NPMPackage is one npm workspace package.
type NPMPackage struct {
	Dir  string
	Name string
	JSON *PackageJSON
}

// readNPMWorkspaces lists the packages of the root package.json workspaces.
func readNPMWorkspaces(ws *workspace.Workspace, t *tree) ([]NPMPackage, error) {
	data, err := os.ReadFile(ws.Path("package.json"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	root, err := ReadPackageJSON("package.json", data)
	if err != nil {
		return nil, err
	}
	globs, err := root.WorkspaceGlobs()
	if err != nil {
		return nil, fmt.Errorf("package.json: %w", err)
	}
	var dirs []string
	for dir := range t.pkgJSON {
		for _, g := range globs {
			if ok, _ := doublestar.Match(path.Clean(g), dir); ok {
				dirs = append(dirs, dir)
				break
			}
		}
	}
	// Read the manifests in parallel: thousands of small files.
	out := make([]NPMPackage, len(dirs))
	errs := make([]error, len(dirs))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 2*runtime.GOMAXPROCS(0); w++ {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = readPackage(ws, dirs[i])
			}
		})
	}
	for i := range dirs {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out, nil
}

func readPackage(ws *workspace.Workspace, dir string) (NPMPackage, error) {
	file := path.Join(dir, "package.json")
	data, err := os.ReadFile(ws.Path(file))
	if err != nil {
		return NPMPackage{}, err
	}
	p, err := ReadPackageJSON(file, data)
	if err != nil {
		return NPMPackage{}, err
	}
	name := p.Name
	if name == "" {
		name = path.Base(dir)
	}
	return NPMPackage{Dir: dir, Name: name, JSON: p}, nil
}

// inferNPM links workspace packages that depend on each other by name.
func inferNPM(pkgs []NPMPackage, byDir map[string]*graph.Component) {
	byName := make(map[string]*graph.Component, len(pkgs))
	for _, p := range pkgs {
		byName[p.Name] = byDir[p.Dir]
	}
	for _, p := range pkgs {
		c := byDir[p.Dir]
		for _, d := range p.JSON.AllDependencies() {
			if dep, ok := byName[d]; ok {
				c.Depends = append(c.Depends, dep.Name)
			}
		}
	}
}
