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
	var sizes, cachedSizes string
	fs.StringVar(&cfg.Source, "source", ".", "root of the module holding build/cmd/mono")
	fs.StringVar(&cfg.Rev, "rev", "", "build mono from this git revision (clean export) instead of the work tree")
	fs.StringVar(&cfg.Tools, "tools", "bench/tools/node_modules", "node_modules folder with turbo and nx")
	fs.StringVar(&cfg.Work, "work", "", "folder for the binary and repositories (default: a temporary folder)")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the temporary folder")
	fs.StringVar(&sizes, "sizes", "500,5000,20000", "repository sizes of the affected case, comma-separated")
	fs.IntVar(&cfg.PeerMaxSize, "peer-max-size", 5000, "largest affected size at which turbo and nx run; above it mono runs alone (0: no limit)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the random dependency graph")
	fs.IntVar(&cfg.Runs, "runs", 5, "timed runs per tool")
	fs.IntVar(&cfg.Warmup, "warmup", 1, "untimed runs per tool before the timed ones")
	fs.StringVar(&cachedSizes, "cached-sizes", "500,5000", "repository sizes of the cached no-op build case, comma-separated (empty skips it)")
	fs.IntVar(&cfg.TargetSize, "target-size", 5000, "size at which the affected targets apply")
	fs.Float64Var(&cfg.Target, "target", 0.2, "highest passing ratio of mono's affected to the faster of turbo's dry run and nx")
	fs.Float64Var(&cfg.LsTarget, "ls-target", 1.0, "highest passing ratio of mono's affected to turbo ls --filter")
	fs.Float64Var(&cfg.CachedTarget, "cached-target", 0.3, "highest passing ratio of mono's cached no-op build to turbo's")
	fs.IntVar(&cfg.LinearSize, "linear-size", 20000, "size whose affected time is judged against the one at -target-size")
	fs.Float64Var(&cfg.LinearTarget, "linear-target", 5, "highest passing ratio of affected at -linear-size to affected at -target-size")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if cfg.Sizes, err = parseSizes("-sizes", sizes); err != nil {
		return err
	}
	if cfg.CachedSizes, err = parseSizes("-cached-sizes", cachedSizes); err != nil {
		return err
	}
	if cfg.Runs < 1 || cfg.Warmup < 0 {
		return errors.New("-runs must be at least 1 and -warmup at least 0")
	}
	return suite.Run(ctx, cfg, os.Stdout, log)
}

// parseSizes reads a comma-separated list of sizes; empty (or "0") is none.
func parseSizes(flag, list string) ([]int, error) {
	var out []int
	if strings.TrimSpace(list) == "" || strings.TrimSpace(list) == "0" {
		return nil, nil
	}
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 2 {
			return nil, fmt.Errorf("%s: %q is not a size of at least 2", flag, s)
		}
		out = append(out, n)
	}
	return out, nil
}
