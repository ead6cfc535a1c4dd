package runcmd

import (
	"os"
	"path/filepath"

	"github.com/acme/platform/build/internal/graph"
)

// exitNotFound is the shell's exit status for a command it cannot find.
const exitNotFound = 127

// npmHint says how to fix a node-app task whose program was not found
// (`tsc: not found`, exit status 127) because the npm workspace is not
// installed: no node_modules/.bin in the component's folder or at the root.
// It returns "" for every other failure.
func (r *runner) npmHint(n *node, code int) string {
	if code != exitNotFound || n.comp.Kind != graph.NodeApp {
		return ""
	}
	for _, dir := range []string{r.ws.Path(n.comp.Dir), r.ws.Root} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", ".bin")); err == nil {
			return ""
		}
	}
	fix := "npm ci"
	if _, err := os.Stat(r.ws.Path("package-lock.json")); err != nil {
		fix = "npm install"
	}
	return "the npm workspace is not installed (no node_modules): run " + fix + " at the repository root"
}
