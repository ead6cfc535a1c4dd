package app

import (
	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/deploycmd"
)

// deployCommands returns the commands of the deploy area: mono deploy
// (with deploy status) and mono rollback.
func deployCommands(deps cli.Deps) []*cobra.Command {
	return []*cobra.Command{
		deploycmd.NewCommand(deps),
		deploycmd.NewRollbackCommand(deps),
	}
}
