package discover

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/workspace"
)

// GoMod is the part of go.mod that discovery and affected use.
type GoMod struct {
	Module   string
	Requires []string // module paths, sorted
}

// ReadGoMod parses go.mod content; file names it in errors.
func ReadGoMod(file string, data []byte) (*GoMod, error) {
	f, err := modfile.ParseLax(file, data, nil)
	if err != nil {
		return nil, err
	}
	gm := &GoMod{}
	if f.Module != nil {
		gm.Module = f.Module.Mod.Path
	}
	for _, r := range f.Require {
		gm.Requires = append(gm.Requires, r.Mod.Path)
	}
	sort.Strings(gm.Requires)
	return gm, nil
}

// ModuleOf returns the required module that provides import path imp (the
// longest matching module path), or "".
func (gm *GoMod) ModuleOf(imp string) string {
	best := ""
	for _, m := range gm.Requires {
		if (imp == m || strings.HasPrefix(imp, m+"/")) && len(m) > len(best) {
			best = m
		}
	}
	return best
}

type goFile struct {
	comp *graph.Component
	path string // slash, relative
}

// inferGo reads the import block of every Go file of every Go component and
// records internal dependencies and the external modules used.
func inferGo(ws *workspace.Workspace, t *tree, comps []*graph.Component, owner func(string) *graph.Component) error {
	data, err := os.ReadFile(ws.Path("go.mod"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read go.mod: %w", err)
	}
	gm, err := ReadGoMod("go.mod", data)
	if err != nil {
		return err
	}
	var files []goFile
	for dir, names := range t.goFiles {
		c := owner(dir)
		if c == nil || !c.Kind.IsGo() {
			continue
		}
		for _, n := range names {
			files = append(files, goFile{comp: c, path: path.Join(dir, n)})
		}
	}
	imports := make([][]string, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Go(func() {
			fset := token.NewFileSet()
			for i := range next {
				imports[i], errs[i] = importsOf(fset, ws.Path(files[i].path), files[i].path)
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()

	// module -> imported only by _test.go files
	modules := map[*graph.Component]map[string]bool{}
	// An internal import found only in _test.go files is a test-only edge.
	testOnly := map[*graph.Component]map[string]bool{}
	for i, f := range files {
		if errs[i] != nil {
			return errs[i]
		}
		isTest := strings.HasSuffix(f.path, "_test.go")
		for _, imp := range imports[i] {
			if rel, ok := strings.CutPrefix(imp, gm.Module+"/"); ok {
				dep := owner(rel)
				if dep == nil || dep == f.comp {
					continue
				}
				seen := testOnly[f.comp]
				if seen == nil {
					seen = map[string]bool{}
					testOnly[f.comp] = seen
				}
				if only, ok := seen[dep.Name]; !ok || only && !isTest {
					if !ok {
						f.comp.Depends = append(f.comp.Depends, dep.Name)
					}
					seen[dep.Name] = isTest
				}
				continue
			}
			if m := gm.ModuleOf(imp); m != "" {
				if modules[f.comp] == nil {
					modules[f.comp] = map[string]bool{}
				}
				if only, ok := modules[f.comp][m]; !ok || only {
					modules[f.comp][m] = isTest
				}
			}
		}
	}
	for c, seen := range testOnly {
		for dep, only := range seen {
			if only {
				c.TestDepends = append(c.TestDepends, dep)
			}
		}
	}
	for c, set := range modules {
		c.Modules, c.TestModules = c.Modules[:0], nil
		for m, only := range set {
			c.Modules = append(c.Modules, m)
			if only {
				c.TestModules = append(c.TestModules, m)
			}
		}
		sort.Strings(c.Modules)
		sort.Strings(c.TestModules)
	}
	return nil
}

// importsOf parses only the import block of one file.
func importsOf(fset *token.FileSet, file, rel string) ([]string, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	f, err := parser.ParseFile(fset, rel, src, parser.ImportsOnly)
	if err != nil {
		return nil, fmt.Errorf("parse imports: %w", err)
	}
	out := make([]string, 0, len(f.Imports))
	for _, s := range f.Imports {
		p, err := strconv.Unquote(s.Path.Value)
		if err != nil || module.CheckImportPath(p) != nil {
			continue
		}
		out = append(out, p)
	}
	return out, nil
}
