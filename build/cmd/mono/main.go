// Command mono builds, tests, configures and deploys the mono-repo.
// Everything lives in build/internal; this is only the process edge.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/acme/platform/build/internal/app"
	"github.com/acme/platform/build/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], cli.System())
	stop()
	os.Exit(code)
}
