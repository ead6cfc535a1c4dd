package app

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/configcmd"
)

// configCommands returns the commands of the config area.
func configCommands(deps cli.Deps) []*cobra.Command {
	// The variable layer needs the whole environment, which cli.Deps does
	// not carry (it has Getenv); this is the process edge, like cli.System.
	return []*cobra.Command{configcmd.NewCommand(configcmd.Deps{Deps: deps, Environ: os.Environ})}
}
