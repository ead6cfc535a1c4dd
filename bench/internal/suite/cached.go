package suite

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/acme/platform/bench/internal/harness"
	"github.com/acme/platform/bench/internal/synth"
)

// turboCached matches turbo's run summary line, e.g.
// "Cached:    500 cached, 500 total".
var turboCached = regexp.MustCompile(`Cached:\s+(\d+) cached, (\d+) total`)

// cached times a fully cached no-op build: each tool builds every package
// once to fill its cache, then the timed runs find every task cached.
func (b *bench) cached(ctx context.Context, repo *synth.Repo) ([]harness.Row, bool, error) {
	size := len(repo.Graph.Deps)
	const name = "cached no-op build"
	turbo := harness.Command{Tool: "turbo", Dir: repo.Dir, Path: b.tools.turbo, Args: []string{"run", "build"}, Env: env}
	mono := harness.Command{Tool: "mono", Dir: repo.Dir, Path: b.mono, Args: []string{"run", "build"}, Env: slices.Clone(env)}

	if _, err := output(ctx, repo.Dir, b.mono, "run", "--help"); err != nil {
		b.log.Warn("mono run is not available in this build; cached case measures turbo only", "err", err)
		rows, err := b.cachedPeerOnly(ctx, name, size, turbo)
		return rows, false, err
	}

	// mono first: its fill takes seconds and turbo's most of an hour at
	// 5,000 packages, so mono's numbers are in the log early.
	b.log.Info("filling caches", "size", size)
	var series [2]*harness.Series
	set := fmt.Sprintf("%d/%d cached", size, size)
	for i, c := range []harness.Command{mono, turbo} {
		s, out, err := b.fill(ctx, c, size)
		if err != nil {
			return nil, false, fmt.Errorf("fill cache: %w", err)
		}
		b.log.Info("filled", "tool", c.Tool, "wall", harness.Seconds(s.Wall), "cpu", harness.Seconds(s.CPU), "stdout_bytes", len(out.Stdout))
		var check func(harness.Output) error
		if c.Tool == "turbo" {
			check = allCached(size)
		}
		b.log.Info("timing", "size", size, "tool", c.Tool, "case", name)
		series[i], err = b.run.Repeat(ctx, c, b.cfg.Warmup, b.cfg.Runs, check)
		if err != nil {
			return nil, false, err
		}
		b.log.Info("timed", "size", size, "tool", c.Tool, "case", name,
			"median_wall", harness.Seconds(series[i].MedianWall()), "median_cpu", harness.Seconds(series[i].MedianCPU()))
		if c.Tool == "mono" {
			if set, err = b.monoAllCached(ctx, mono, size); err != nil {
				return nil, false, err
			}
		}
	}
	ms, ts := series[0], series[1]
	row := harness.Row{Case: name, Size: size, Tool: "mono", Series: ms, Set: set}
	row.Ratio, row.Target, row.Result = harness.Compare(ms, []*harness.Series{ts}).Verdict(b.cfg.CachedTarget)
	ok := row.Result == "PASS" && set == fmt.Sprintf("%d/%d cached", size, size)
	return []harness.Row{row, {Case: name, Size: size, Tool: "turbo", Series: ts, Set: fmt.Sprintf("%d/%d cached", size, size)}}, ok, nil
}

// monoAllCached runs mono once more with --json, as its timed runs print
// for people as turbo's do, and says how many of size tasks were cache hits.
func (b *bench) monoAllCached(ctx context.Context, mono harness.Command, size int) (string, error) {
	verify := mono
	verify.Args = append(slices.Clone(mono.Args), "--json")
	_, out, err := b.run.Run(ctx, verify)
	if err != nil {
		return "", err
	}
	cached, err := harness.MonoRunCached(out.Stdout)
	if err != nil || cached != size {
		b.log.Error("mono run build was not fully cached", "cached", cached, "tasks", size, "err", err)
	}
	return fmt.Sprintf("%d/%d cached", cached, size), nil
}

// cachedPeerOnly measures turbo alone when mono cannot run the case.
func (b *bench) cachedPeerOnly(ctx context.Context, name string, size int, turbo harness.Command) ([]harness.Row, error) {
	if _, _, err := b.fill(ctx, turbo, size); err != nil {
		return nil, fmt.Errorf("fill cache: %w", err)
	}
	ts, err := b.run.Repeat(ctx, turbo, b.cfg.Warmup, b.cfg.Runs, allCached(size))
	if err != nil {
		return nil, err
	}
	return []harness.Row{
		{Case: name, Size: size, Tool: "mono", Ratio: "mono run not available", Target: fmt.Sprintf("<= %.2fx", b.cfg.CachedTarget), Result: "FAIL"},
		{Case: name, Size: size, Tool: "turbo", Series: ts, Set: fmt.Sprintf("%d/%d cached", size, size)},
	}, nil
}

// fill runs c once to fill its cache. Filling turbo's starts an npm per
// package: minutes per 500 packages on 2 busy cores, so the time limit
// grows with the size (15 minutes per 500 packages, at least 15).
func (b *bench) fill(ctx context.Context, c harness.Command, size int) (harness.Sample, harness.Output, error) {
	r := *b.run
	r.Timeout = time.Duration(max(1, (size+499)/500)) * 15 * time.Minute
	return r.Run(ctx, c)
}

// allCached checks that a turbo run found every one of size tasks cached.
func allCached(size int) func(harness.Output) error {
	return func(out harness.Output) error {
		m := turboCached.FindSubmatch(out.Stdout)
		if m == nil {
			return fmt.Errorf("no \"Cached: N cached, N total\" line in turbo's output")
		}
		if string(m[1]) != string(m[2]) || string(m[2]) != fmt.Sprint(size) {
			return fmt.Errorf("turbo: %s cached of %s tasks, want all %d", m[1], m[2], size)
		}
		return nil
	}
}
