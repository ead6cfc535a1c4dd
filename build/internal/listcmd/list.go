// Package listcmd implements `mono list`: the components of the repository.
package listcmd

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/graph"
)

// Options are the flags of mono list.
type Options struct {
	JSON bool
	Kind string
}

// NewCommand returns the list command.
func NewCommand(deps cli.Deps) *cobra.Command {
	var o Options
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the components of the repository",
		Long: `List every component mono discovered: its name, kind, folder and direct
dependencies; "(test)" marks a test-only one (imported only by _test.go
files; testDepends in --json). Components come from Go import blocks, npm workspaces,
pyproject.toml, Terraform and Helm folders, and component.yaml manifests.`,
		Example: "  mono list\n  mono list --kind go-service --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, g, err := deps.Graph()
			if err != nil {
				return err
			}
			return Run(deps.IO.Out, g, o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON for machines")
	cmd.Flags().StringVar(&o.Kind, "kind", "", "only components of this kind")
	return cmd
}

// Run prints the components of g.
func Run(w io.Writer, g *graph.Graph, o Options) error {
	if o.Kind != "" && !graph.Kind(o.Kind).Valid() {
		kinds := make([]string, len(graph.Kinds))
		for i, k := range graph.Kinds {
			kinds[i] = string(k)
		}
		return cli.Usagef("--kind: unknown kind %q (kinds: %s)", o.Kind, strings.Join(kinds, ", "))
	}
	comps := []*graph.Component{}
	for _, c := range g.Components() {
		if o.Kind == "" || string(c.Kind) == o.Kind {
			comps = append(comps, c)
		}
	}
	if o.JSON {
		return cli.WriteJSON(w, comps)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tDIR\tDEPENDS")
	for _, c := range comps {
		names := make([]string, len(c.Depends))
		for i, d := range c.Depends {
			names[i] = d
			if c.TestOnly(d) {
				names[i] += "(test)"
			}
		}
		deps := strings.Join(names, ",")
		if deps == "" {
			deps = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.Kind, c.Dir, deps)
	}
	return tw.Flush()
}
