package app

import (
	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
)

// configCommands returns the commands of the config area.
func configCommands(deps cli.Deps) []*cobra.Command {
	_ = deps
	return nil
}
