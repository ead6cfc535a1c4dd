package app

import (
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/versioncmd"
)

// versionCommands returns the commands of the version area. The build
// information of the running binary is read here, at the process edge.
func versionCommands(deps cli.Deps) []*cobra.Command {
	return []*cobra.Command{versioncmd.NewCommand(deps, debug.ReadBuildInfo)}
}
