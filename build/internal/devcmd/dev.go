// Package devcmd implements `mono dev`: the whole platform running locally on
// embedded defaults. Until the programs exist (the services issue), it lists
// what it will start and says so plainly.
package devcmd

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/graph"
)

// NewCommand returns the dev command.
func NewCommand(deps cli.Deps) *cobra.Command {
	return &cobra.Command{
		Use:   "dev",
		Short: "Run the platform locally on embedded defaults (not yet: lists what it will start)",
		Long: `Run every local program with ENV=local on embedded defaults (SQLite, a local
blob folder, a local secrets file), print their URLs, and restart a program
when its files change.

Not built yet: the programs arrive with the services issue. Today mono dev
lists the deployable components it will start and exits.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, g, err := deps.Graph()
			if err != nil {
				return err
			}
			return Plan(deps.IO.Out, g)
		},
	}
}

// Plan prints what mono dev will start.
func Plan(w io.Writer, g *graph.Graph) error {
	var progs []*graph.Component
	for _, c := range g.Components() {
		if c.DeployedTo("local") && c.Kind != graph.HelmRelease {
			progs = append(progs, c)
		}
	}
	fmt.Fprintln(w, "mono dev is not built yet: it arrives with the services (orders-api, pricing),")
	fmt.Fprintln(w, "the web console, the Dash dashboard and Airflow. It will start, with ENV=local:")
	if len(progs) == 0 {
		fmt.Fprintln(w, "  (no local programs in this repository yet)")
	}
	for _, c := range progs {
		fmt.Fprintf(w, "  %-20s %-12s %s\n", c.Name, c.Kind, c.Dir)
	}
	return nil
}
