package app

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/dbcmd"
)

// dbCommands returns the commands of the db area (migrations).
func dbCommands(deps cli.Deps) []*cobra.Command {
	// Like the config area, the variable layer of the configuration needs
	// the whole process environment.
	return []*cobra.Command{dbcmd.NewCommand(dbcmd.Deps{Deps: deps, Environ: os.Environ})}
}
