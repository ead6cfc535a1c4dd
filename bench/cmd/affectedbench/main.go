// Command affectedbench times mono against turbo and nx on synthetic
// repositories (see bench/README.md). bench/run.sh is the usual entry.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/acme/platform/bench/internal/suite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	err := run(ctx, os.Args[1:], log)
	stop()
	switch {
	case errors.Is(err, suite.ErrFailed):
		fmt.Fprintln(os.Stderr, "affectedbench: sets differ or a target was missed; see the table")
		os.Exit(1)
	case err != nil:
		fmt.Fprintf(os.Stderr, "affectedbench: %v\n", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("affectedbench", flag.ContinueOnError)
	var cfg suite.Config
	var sizes string
	fs.StringVar(&cfg.Source, "source", ".", "root of the module holding build/cmd/mono")
	fs.StringVar(&cfg.Rev, "rev", "", "build mono from this git revision (clean export) instead of the work tree")
	fs.StringVar(&cfg.Tools, "tools", "bench/tools/node_modules", "node_modules folder with turbo and nx")
	fs.StringVar(&cfg.Work, "work", "", "folder for the binary and repositories (default: a temporary folder)")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the temporary folder")
	fs.StringVar(&sizes, "sizes", "500,5000", "repository sizes of the affected case, comma-separated")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the random dependency graph")
	fs.IntVar(&cfg.Runs, "runs", 5, "timed runs per tool")
	fs.IntVar(&cfg.Warmup, "warmup", 1, "untimed runs per tool before the timed ones")
	fs.IntVar(&cfg.CachedSize, "cached-size", 500, "repository size of the cached no-op build case (0 skips it)")
	fs.IntVar(&cfg.TargetSize, "target-size", 5000, "size at which the affected ratio target applies")
	fs.Float64Var(&cfg.Target, "target", 0.5, "highest passing ratio of mono to the fastest peer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 2 {
			return fmt.Errorf("-sizes: %q is not a size of at least 2", s)
		}
		cfg.Sizes = append(cfg.Sizes, n)
	}
	if cfg.Runs < 1 || cfg.Warmup < 0 {
		return errors.New("-runs must be at least 1 and -warmup at least 0")
	}
	return suite.Run(ctx, cfg, os.Stdout, log)
}
