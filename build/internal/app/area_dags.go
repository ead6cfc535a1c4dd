package app

import (
	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/dagscmd"
)

// dagsCommands returns the commands of the dags area (Airflow).
func dagsCommands(deps cli.Deps) []*cobra.Command {
	return []*cobra.Command{dagscmd.NewCommand(dagscmd.Deps{Deps: deps})}
}
