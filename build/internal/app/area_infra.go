package app

import (
	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
)

// infraCommands returns the commands of the infra area.
func infraCommands(deps cli.Deps) []*cobra.Command {
	_ = deps
	return nil
}
