package app

import (
	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/runcmd"
)

// runCommands returns the commands of the run area.
func runCommands(deps cli.Deps) []*cobra.Command {
	return []*cobra.Command{runcmd.NewCommand(deps)}
}
