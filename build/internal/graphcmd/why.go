package graphcmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/graph"
)

// NewWhyCommand returns `mono why A B`.
func NewWhyCommand(deps cli.Deps) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "why A B",
		Short: "Show why component A depends on component B",
		Long: `Print the shortest dependency path from component A to component B, or say
that A does not depend on B (exit code 1). A path of full edges is preferred;
a test-only edge (an import found only in _test.go files) is shown as -test->,
and then only A's test target depends on B.`,
		Example: "  mono why orders-api db",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, g, err := deps.Graph()
			if err != nil {
				return err
			}
			return Why(deps.IO.Out, g, args[0], args[1], asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for machines")
	return cmd
}

// Why prints the path from a to b.
func Why(w io.Writer, g *graph.Graph, a, b string, asJSON bool) error {
	for _, n := range []string{a, b} {
		if _, err := g.Lookup(n); err != nil {
			return cli.Exit(cli.ExitUsage, err)
		}
	}
	// A path of full edges is the stronger answer; a test-only edge on the
	// way means only a's test target depends on b.
	path := g.PathFor(a, b, "build")
	if path == nil {
		path = g.Path(a, b)
	}
	edges := []Edge{}
	testOnly := false
	for i := 1; i < len(path); i++ {
		e := Edge{From: path[i-1], To: path[i], Test: g.Get(path[i-1]).TestOnly(path[i])}
		testOnly = testOnly || e.Test
		edges = append(edges, e)
	}
	if asJSON {
		if path == nil {
			path = []string{}
		}
		if err := cli.WriteJSON(w, map[string]any{"from": a, "to": b, "path": path, "edges": edges, "testOnly": testOnly}); err != nil {
			return err
		}
	}
	if path == nil {
		return cli.Exit(cli.ExitFailed, fmt.Errorf("%s does not depend on %s", a, b))
	}
	if !asJSON {
		var sb strings.Builder
		sb.WriteString(path[0])
		for _, e := range edges {
			if e.Test {
				sb.WriteString(" -test-> " + e.To)
			} else {
				sb.WriteString(" -> " + e.To)
			}
		}
		if testOnly {
			sb.WriteString("  (test only: through an import found only in _test.go files)")
		}
		fmt.Fprintln(w, sb.String())
	}
	return nil
}
