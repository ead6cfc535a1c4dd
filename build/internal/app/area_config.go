package app

import (
	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/configcmd"
)

// configCommands returns the commands of the config area.
func configCommands(deps cli.Deps) []*cobra.Command {
	return []*cobra.Command{configcmd.NewCommand(deps)}
}
