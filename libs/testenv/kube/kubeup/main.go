// Command kubeup starts the test control plane of libs/testenv/kube (with
// the vendored CRDs) and keeps it until interrupted, for running mono
// deploy by hand (docs/deploy.md):
//
//	go run ./libs/testenv/kube/kubeup -kubeconfig /tmp/kc
//
// It writes the kubeconfig to the given file and stops the control plane
// on Ctrl-C or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/acme/platform/libs/testenv"
	"github.com/acme/platform/libs/testenv/kube"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "write the control plane's kubeconfig to this file (required)")
	flag.Parse()
	if *kubeconfig == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: kubeup -kubeconfig FILE")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *kubeconfig); err != nil {
		fmt.Fprintln(os.Stderr, "kubeup:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, kubeconfig string) error {
	root, err := testenv.RepoRoot()
	if err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(ctx, 40*time.Minute)
	defer cancel()
	c, err := kube.Start(startCtx, root, func(msg string) { fmt.Fprintln(os.Stderr, msg) })
	if err != nil {
		return err
	}
	defer c.Stop()
	if err := c.InstallCRDs(startCtx); err != nil {
		return err
	}
	data, err := os.ReadFile(c.Kubeconfig())
	if err != nil {
		return err
	}
	if err := os.WriteFile(kubeconfig, data, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "control plane at %s; kubeconfig %s; Ctrl-C stops it\n", c.Server, kubeconfig)
	<-ctx.Done()
	return nil
}
