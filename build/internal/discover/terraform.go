package discover

import (
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/workspace"
)

// localSource matches a module block's local source, e.g.
// source = "../../modules/network".
var localSource = regexp.MustCompile(`(?m)^\s*source\s*=\s*"(\.\.?/[^"]*)"`)

// inferTerraform links stacks to the local modules their .tf files call.
func inferTerraform(ws *workspace.Workspace, comps []*graph.Component, owner func(string) *graph.Component) error {
	for _, c := range comps {
		if c.Kind != graph.TerraformStack && c.Kind != graph.TerraformModule {
			continue
		}
		entries, err := os.ReadDir(ws.Path(c.Dir))
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".tf") {
				continue
			}
			src, err := os.ReadFile(ws.Path(path.Join(c.Dir, e.Name())))
			if err != nil {
				return err
			}
			for _, m := range localSource.FindAllSubmatch(src, -1) {
				target := path.Join(c.Dir, string(m[1]))
				if dep := owner(target); dep != nil && dep != c {
					c.Depends = append(c.Depends, dep.Name)
				}
			}
		}
	}
	return nil
}
