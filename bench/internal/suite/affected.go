package suite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/acme/platform/bench/internal/harness"
	"github.com/acme/platform/bench/internal/synth"
)

// answer is one tool's affected set and how it compares with the
// generator's, which is computed from the graph it drew.
type answer struct {
	series *harness.Series
	set    []string
}

// affected times the three tools on one repository (mono alone above
// PeerMaxSize) and checks that each returns the generator's affected set.
// It returns mono's series too; ok is false on a mismatch or a missed
// target.
func (b *bench) affected(ctx context.Context, repo *synth.Repo) ([]harness.Row, *harness.Series, bool, error) {
	size := len(repo.Graph.Deps)
	want := repo.Graph.Affected(repo.Changed)
	nxCache := filepath.Join(repo.Dir, ".nx")
	// issue marks the peer commands the issue names; the target is judged
	// against the fastest of them. turbo ls has a target of its own (the
	// strict column); nx (warm) is for information.
	cmds := []struct {
		cmd   harness.Command
		parse func([]byte) ([]string, error)
		issue bool
	}{
		{harness.Command{Tool: "mono", Path: b.mono, Args: []string{"affected", "--base", "HEAD^1", "--json"}}, harness.ParseMono, false},
		// The issue's command: plans the build of the affected packages,
		// hashing every task ^build pulls in.
		{harness.Command{Tool: "turbo", Path: b.tools.turbo, Args: []string{"run", "build", "--dry-run=json", "--filter=...[HEAD^1]"}}, harness.ParseTurboDryRun, true},
		// turbo's cheapest way to the same answer: list the filtered
		// packages without planning tasks.
		{harness.Command{Tool: "turbo ls", Path: b.tools.turbo, Args: []string{"ls", "--filter=...[HEAD^1]", "--output=json"}}, harness.ParseTurboLs, false},
		// nx keeps a project graph and file hashes in .nx/workspace-data;
		// the measured nx starts without them, like mono and turbo, which
		// keep nothing between runs.
		{harness.Command{Tool: "nx", Path: filepath.Join(repo.Dir, "node_modules", ".bin", "nx"),
			Args:   []string{"show", "projects", "--affected", "--base=HEAD^1", "--json"},
			Env:    []string{"NX_CACHE_PROJECT_GRAPH=false"},
			Before: func() error { return os.RemoveAll(nxCache) }}, harness.ParseNx, true},
		// For information: nx with its workspace data kept from the run
		// before, as a developer's second run would find it.
		{harness.Command{Tool: "nx (warm)", Path: filepath.Join(repo.Dir, "node_modules", ".bin", "nx"),
			Args: []string{"show", "projects", "--affected", "--base=HEAD^1", "--json"}}, harness.ParseNx, false},
	}
	peers := b.cfg.PeerMaxSize <= 0 || size <= b.cfg.PeerMaxSize
	if !peers {
		cmds = cmds[:1]
	}
	answers := map[string]*answer{}
	var order []string
	var issuePeers, lsPeer []*harness.Series
	for _, c := range cmds {
		c.cmd.Dir = repo.Dir
		c.cmd.Env = append(slices.Clone(env), c.cmd.Env...)
		b.log.Info("timing", "size", size, "tool", c.cmd.Tool)
		a := &answer{}
		check := func(out harness.Output) error {
			set, err := c.parse(out.Stdout)
			if err != nil {
				return err
			}
			if a.set != nil && !slices.Equal(a.set, set) {
				return fmt.Errorf("answer changed between runs: %d then %d packages", len(a.set), len(set))
			}
			a.set = set
			return nil
		}
		s, err := b.run.Repeat(ctx, c.cmd, b.cfg.Warmup, b.cfg.Runs, check)
		if err != nil {
			return nil, nil, false, err
		}
		a.series = s
		answers[c.cmd.Tool] = a
		switch {
		case c.issue:
			issuePeers = append(issuePeers, s)
		case c.cmd.Tool == "turbo ls":
			lsPeer = append(lsPeer, s)
		}
		order = append(order, c.cmd.Tool)
	}

	ok := true
	var rows []harness.Row
	for _, tool := range order {
		a := answers[tool]
		row := harness.Row{Case: "affected", Size: size, Tool: tool, Series: a.series}
		missing, extra := harness.Diff(want, a.set)
		if len(missing)+len(extra) == 0 {
			row.Set = fmt.Sprintf("%d, same", len(a.set))
		} else {
			ok = false
			row.Set = fmt.Sprintf("%d, DIFFERS", len(a.set))
			b.log.Error("affected set differs from the generator's", "size", size, "tool", tool,
				"want", len(want), "got", len(a.set), "missing", strings.Join(missing, " "), "extra", strings.Join(extra, " "))
		}
		if tool == "mono" && !peers {
			row.Ratio = fmt.Sprintf("peers not run above %d", b.cfg.PeerMaxSize)
		} else if tool == "mono" {
			target, lsTarget := 0.0, 0.0
			if size == b.cfg.TargetSize {
				target, lsTarget = b.cfg.Target, b.cfg.LsTarget
			}
			row.Ratio, row.Target, row.Result = harness.Compare(a.series, issuePeers).Verdict(target)
			row.Strict = harness.Compare(a.series, lsPeer).Strict(lsTarget)
			if row.Result == "FAIL" || strings.HasSuffix(row.Strict, "FAIL") {
				ok = false
			}
		}
		rows = append(rows, row)
	}
	return rows, answers["mono"].series, ok, nil
}
