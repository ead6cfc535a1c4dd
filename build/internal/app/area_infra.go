package app

import (
	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/devservercmd"
	"github.com/acme/platform/build/internal/infracmd"
)

// infraCommands returns the commands of the infra area: mono infra (plan,
// apply, check, docs) and mono devserver.
func infraCommands(deps cli.Deps) []*cobra.Command {
	return []*cobra.Command{
		infracmd.NewCommand(deps),
		devservercmd.NewCommand(deps),
	}
}
