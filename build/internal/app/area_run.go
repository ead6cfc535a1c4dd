package app

import (
	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
)

// runCommands returns the commands of the run area.
func runCommands(deps cli.Deps) []*cobra.Command {
	_ = deps
	return nil
}
