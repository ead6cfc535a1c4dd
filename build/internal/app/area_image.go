package app

import (
	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/imagecmd"
)

// imageCommands returns the commands of the image area (mono image build).
func imageCommands(deps cli.Deps) []*cobra.Command {
	return []*cobra.Command{imagecmd.NewCommand(deps)}
}
