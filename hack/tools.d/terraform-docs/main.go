// Command terraform-docs is terraform-docs v0.20.0, built from this wrapper
// module: `go install github.com/terraform-docs/terraform-docs@v0.20.0`
// fails here because the Go module proxy refuses the module's version list,
// which go install reads to look for a deprecation notice. Requiring the
// version from a module of our own needs no list.
package main

import (
	"os"

	"github.com/terraform-docs/terraform-docs/cmd"
)

func main() {
	if err := cmd.Execute(); err != nil {
		os.Exit(1)
	}
}
