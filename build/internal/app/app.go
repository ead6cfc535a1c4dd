// Package app assembles the mono command tree and runs it: the one place
// that knows every command area.
package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/affectedcmd"
	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/complete"
	"github.com/acme/platform/build/internal/devcmd"
	"github.com/acme/platform/build/internal/doctorcmd"
	"github.com/acme/platform/build/internal/graphcmd"
	"github.com/acme/platform/build/internal/listcmd"
)

// NewCommand returns the root `mono` command with every subcommand.
func NewCommand(deps cli.Deps) *cobra.Command {
	if deps.Flags == nil {
		deps.Flags = &cli.Flags{}
	}
	root := &cobra.Command{
		Use:   "mono",
		Short: "Build, test, configure and deploy the mono-repo",
		Long: `mono knows every component of this repository (Go services, jobs and
libraries, DAGs, web and Dash apps, Terraform stacks, Helm releases), the
dependencies between them, and how to build, test and deploy each one.

It works from any folder inside the repository.

Output for people is coloured on a terminal; --no-color, or NO_COLOR set to
any value (https://no-color.org), turns colour off.

` + cli.ExitHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(deps.IO.In)
	root.SetOut(deps.IO.Out)
	root.SetErr(deps.IO.ErrOut)
	root.PersistentFlags().BoolVar(&deps.Flags.NoColor, "no-color", false, "no colour in the output (also: NO_COLOR set to any value)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return cli.Exit(cli.ExitUsage, err)
	})
	root.AddCommand(
		listcmd.NewCommand(deps),
		graphcmd.NewCommand(deps),
		graphcmd.NewWhyCommand(deps),
		affectedcmd.NewCommand(deps),
		doctorcmd.NewCommand(deps),
		devcmd.NewCommand(deps),
	)
	// Areas owned by separate packages, each listed in its own file here.
	root.AddCommand(runCommands(deps)...)
	root.AddCommand(configCommands(deps)...)
	root.AddCommand(infraCommands(deps)...)
	root.AddCommand(dbCommands(deps)...)
	root.AddCommand(deployCommands(deps)...)
	root.AddCommand(dagsCommands(deps)...)
	root.AddCommand(versionCommands(deps)...)
	root.AddCommand(imageCommands(deps)...)
	// Completion of components, targets, environments and git refs by
	// flag name and command, over the whole tree (mono completion).
	complete.Register(root, deps)
	return root
}

// Main runs mono with args and returns the process exit code. Errors are
// printed once, here.
func Main(ctx context.Context, args []string, deps cli.Deps) int {
	if deps.Flags == nil {
		deps.Flags = &cli.Flags{}
	}
	root := NewCommand(deps)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return cli.ExitOK
	}
	code := cli.CodeOf(err)
	if cmd != nil && isUsageErr(err) {
		code = cli.ExitUsage
	}
	fmt.Fprintf(deps.IO.ErrOut, "%s %v\n", deps.Style(deps.IO.ErrOut).Fail("mono:"), err)
	if code == cli.ExitUsage && cmd != nil {
		fmt.Fprintf(deps.IO.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}

// isUsageErr recognises cobra's own command-line errors, which carry no code.
func isUsageErr(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument", "required flag"} {
		if strings.Contains(msg, p) && cli.CodeOf(err) == cli.ExitFailed {
			return true
		}
	}
	return false
}
