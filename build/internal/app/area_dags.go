package app

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/dagscmd"
)

// dagsCommands returns the commands of the dags area (Airflow).
func dagsCommands(deps cli.Deps) []*cobra.Command {
	// Airflow and the jobs it runs get the whole process environment, which
	// is also the variable layer of the configuration.
	return []*cobra.Command{dagscmd.NewCommand(dagscmd.Deps{Deps: deps, Environ: os.Environ})}
}
