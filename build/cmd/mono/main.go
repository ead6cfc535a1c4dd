// Command mono builds, tests, configures and deploys the mono-repo.
// Everything lives in build/internal; this is only the process edge.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/acme/platform/build/internal/app"
	"github.com/acme/platform/build/internal/cli"
)

func main() {
	// mono's commands are short-lived and keep little in memory: collecting
	// at 4x the live heap rather than 2x saves about a tenth of the CPU of a
	// cached mono run. A GOGC in the environment still decides.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], cli.System())
	stop()
	os.Exit(code)
}
