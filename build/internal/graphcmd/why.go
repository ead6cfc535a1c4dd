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
that A does not depend on B (exit code 1).`,
		Example: "  mono why orders-api db",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, g, err := deps.Graph()
			if err != nil {
				return err
			}
			return Why(deps.IO.Out, g, args[0], args[1], asJSON)
		},
		ValidArgsFunction: completeComponents(deps),
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
	path := g.Path(a, b)
	if asJSON {
		if path == nil {
			path = []string{}
		}
		if err := cli.WriteJSON(w, map[string]any{"from": a, "to": b, "path": path}); err != nil {
			return err
		}
	}
	if path == nil {
		return cli.Exit(cli.ExitFailed, fmt.Errorf("%s does not depend on %s", a, b))
	}
	if !asJSON {
		fmt.Fprintln(w, strings.Join(path, " -> "))
	}
	return nil
}

// completeComponents completes component names for shell completion.
func completeComponents(deps cli.Deps) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		_, g, err := deps.Graph()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		return g.Names(), cobra.ShellCompDirectiveNoFileComp
	}
}
