package app

import (
	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/dbcmd"
)

// dbCommands returns the commands of the db area (migrations).
func dbCommands(deps cli.Deps) []*cobra.Command {
	return []*cobra.Command{dbcmd.NewCommand(deps)}
}
