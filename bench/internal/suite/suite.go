// Package suite is the benchmark of mono against its peers: it builds
// mono, generates the synthetic repositories, runs the affected case at
// every size and the cached no-op build case, checks that the tools agree
// and prints the table.
package suite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/acme/platform/bench/internal/harness"
	"github.com/acme/platform/bench/internal/synth"
)

// Config says what to run.
type Config struct {
	// Source is the root of the module that holds build/cmd/mono.
	Source string
	// Rev, when set, builds mono from that git revision of Source (a
	// clean export) instead of the work tree, which may hold others'
	// unfinished edits.
	Rev string
	// Tools is the node_modules folder with turbo and nx (bench/tools).
	Tools string
	// Work is the folder for the mono binary and the repositories; empty
	// means a new temporary folder, removed at the end unless Keep.
	Work string
	Keep bool
	// Sizes are the repository sizes of the affected case.
	Sizes []int
	// PeerMaxSize is the largest size at which turbo and nx are timed in
	// the affected case; above it mono runs alone (0: no limit).
	PeerMaxSize int
	Seed        uint64
	// Runs are the timed runs per tool; Warmup the untimed ones before.
	Runs, Warmup int
	// CachedSizes are the sizes of the cached no-op build case; none skips it.
	CachedSizes []int
	// TargetSize is the size at which the affected targets apply.
	TargetSize int
	// Target is the highest passing ratio of mono's affected to the
	// fastest of the peer commands (turbo's dry run, nx).
	Target float64
	// LsTarget is the highest passing ratio of mono's affected to
	// `turbo ls --filter`.
	LsTarget float64
	// CachedTarget is the highest passing ratio of mono's cached no-op
	// build to turbo's.
	CachedTarget float64
	// LinearSize is the size whose affected wall time is judged against
	// TargetSize's; LinearTarget the highest passing ratio of the two.
	LinearSize   int
	LinearTarget float64
}

// ErrFailed means the benchmark ran but the tools disagreed or mono
// missed a target; the table says which.
var ErrFailed = errors.New("benchmark failed")

// env is added to every measured command: no telemetry, no daemon, no
// cloud, no update checks, no colour.
var env = []string{
	"TURBO_TELEMETRY_DISABLED=1", "DO_NOT_TRACK=1", "TURBO_NO_UPDATE_NOTIFIER=1",
	"NX_DAEMON=false", "NX_NO_CLOUD=true", "NX_TUI=false", "NX_SKIP_NX_CACHE=true",
	"NO_COLOR=1", "FORCE_COLOR=0",
}

// Run runs the benchmark and writes the report to w; progress goes to log.
func Run(ctx context.Context, cfg Config, w io.Writer, log *slog.Logger) error {
	runner, err := harness.NewRunner()
	if err != nil {
		return err
	}
	// A timed run slower than this is stuck (turbo's dry run at 20,000
	// packages takes about a minute); filling caches has its own limit
	// (see fill).
	runner.Timeout = 15 * time.Minute
	work := cfg.Work
	if work == "" {
		dir, err := os.MkdirTemp("", "mono-bench-")
		if err != nil {
			return err
		}
		work = dir
		if !cfg.Keep {
			defer os.RemoveAll(work)
		}
	}
	tools, err := findTools(cfg.Tools)
	if err != nil {
		return err
	}
	npmVersion, err := output(ctx, "", "npm", "--version")
	if err != nil {
		return fmt.Errorf("npm version: %w", err)
	}
	monoBin := filepath.Join(work, "mono")
	built, err := buildMono(ctx, cfg, work, monoBin, log)
	if err != nil {
		return err
	}
	b := &bench{cfg: cfg, tools: tools, mono: monoBin, log: log, run: runner}
	b.header(ctx, w, npmVersion, built)

	failed := false
	var rows []harness.Row
	repos := map[int]*synth.Repo{}
	repoFor := func(size int) (*synth.Repo, error) {
		if r := repos[size]; r != nil {
			return r, nil
		}
		r, err := b.generate(filepath.Join(work, fmt.Sprintf("repo-%d", size)), size, npmVersion)
		repos[size] = r
		return r, err
	}
	monoAffected := map[int]*harness.Series{}
	for _, size := range cfg.Sizes {
		repo, err := repoFor(size)
		if err != nil {
			return err
		}
		r, mono, ok, err := b.affected(ctx, repo)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
		monoAffected[size] = mono
		failed = failed || !ok
	}
	lin, ok := linearRows(monoAffected, cfg.Sizes, cfg.TargetSize, cfg.LinearSize, cfg.LinearTarget)
	rows = append(rows, lin...)
	failed = failed || !ok
	for _, size := range cfg.CachedSizes {
		repo, err := repoFor(size)
		if err != nil {
			return err
		}
		r, ok, err := b.cached(ctx, repo)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
		failed = failed || !ok
	}
	fmt.Fprintln(w)
	if err := harness.WriteTable(w, rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nload average at the end: %s\n", loadavg())
	if cfg.Keep {
		fmt.Fprintf(w, "work folder kept: %s\n", work)
	}
	if failed {
		return ErrFailed
	}
	return nil
}

// toolPaths are the peers' programs.
type toolPaths struct {
	// turbo is the native binary of the platform package, called directly:
	// the node shim in turbo/bin would add a node start to every run.
	turbo string
	// modules is the node_modules folder linked into each repository so
	// that nx resolves from the workspace root.
	modules                 string
	turboVersion, nxVersion string
}

type bench struct {
	cfg   Config
	tools toolPaths
	mono  string
	log   *slog.Logger
	run   *harness.Runner
}

func findTools(modules string) (toolPaths, error) {
	abs, err := filepath.Abs(modules)
	if err != nil {
		return toolPaths{}, err
	}
	t := toolPaths{modules: abs}
	matches, _ := filepath.Glob(filepath.Join(abs, "@turbo", "*", "bin", "turbo"))
	if len(matches) != 1 {
		return t, fmt.Errorf("turbo's platform binary: want one %s, found %d (run npm ci in bench/tools)", filepath.Join(abs, "@turbo/*/bin/turbo"), len(matches))
	}
	t.turbo = matches[0]
	if _, err := os.Stat(filepath.Join(abs, ".bin", "nx")); err != nil {
		return t, fmt.Errorf("nx: %w (run npm ci in bench/tools)", err)
	}
	t.turboVersion = pkgVersion(filepath.Join(abs, "turbo", "package.json"))
	t.nxVersion = pkgVersion(filepath.Join(abs, "nx", "package.json"))
	return t, nil
}

// buildMono builds the mono binary once, from cfg.Rev or the work tree,
// and says what it built: a commit, with "+dirty" for a work tree that
// differs from it.
func buildMono(ctx context.Context, cfg Config, work, out string, log *slog.Logger) (string, error) {
	src := cfg.Source
	rev := cfg.Rev
	if rev == "" {
		rev = "HEAD"
	}
	id, err := output(ctx, cfg.Source, "git", "rev-parse", "--short", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("mono revision: %w", err)
	}
	built := id
	if cfg.Rev != "" {
		src = filepath.Join(work, "src")
		if err := os.MkdirAll(src, 0o755); err != nil {
			return "", err
		}
		log.Info("exporting mono source", "rev", cfg.Rev, "commit", id, "dir", src)
		export := fmt.Sprintf("git -C %q archive %q | tar -x -C %q", cfg.Source, id, src)
		if _, err := output(ctx, "", "sh", "-c", export); err != nil {
			return "", fmt.Errorf("export %s: %w", cfg.Rev, err)
		}
	} else if st, _ := output(ctx, cfg.Source, "git", "status", "--porcelain", "--", "build", "go.mod", "go.sum"); st != "" {
		built += "+dirty"
		log.Warn("building mono from a work tree with uncommitted changes under build/ (use -rev HEAD for the committed code)")
	}
	log.Info("building mono", "out", out, "from", built)
	if _, err := output(ctx, src, "go", "build", "-o", out, "./build/cmd/mono"); err != nil {
		return "", fmt.Errorf("build mono: %w", err)
	}
	return built, nil
}

// header prints when, where and with what the numbers were taken.
func (b *bench) header(ctx context.Context, w io.Writer, npmVersion, rev string) {
	node, _ := output(ctx, "", "node", "--version")
	host, _ := os.Hostname()
	fmt.Fprintf(w, "mono bench  %s  host %s  %d cores  load average %s\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), host, runtime.NumCPU(), loadavg())
	fmt.Fprintf(w, "mono %s (%s)  turbo %s  nx %s  node %s  npm %s  %s\n",
		rev, runtime.Version(), b.tools.turboVersion, b.tools.nxVersion, node, npmVersion, gitVersion(ctx))
	fmt.Fprintf(w, "runs %d (after %d warm-up), seed %d\n", b.cfg.Runs, b.cfg.Warmup, b.cfg.Seed)
	if b.cfg.PeerMaxSize > 0 {
		fmt.Fprintf(w, "affected above %d packages: mono alone (turbo and nx not run)\n", b.cfg.PeerMaxSize)
	}
}

// generate writes one synthetic repository and links the tools into it.
func (b *bench) generate(dir string, size int, npmVersion string) (*synth.Repo, error) {
	b.log.Info("generating", "size", size, "dir", dir)
	repo, err := synth.Generate(dir, synth.Options{Size: size, Seed: b.cfg.Seed, NPMVersion: npmVersion})
	if err != nil {
		return nil, fmt.Errorf("generate %d: %w", size, err)
	}
	// node_modules is git-ignored in the generated repository: a link to
	// bench/tools/node_modules makes nx (and turbo's local-install check)
	// resolve from the workspace root without an npm install per size.
	if err := os.Symlink(b.tools.modules, filepath.Join(dir, "node_modules")); err != nil {
		return nil, err
	}
	b.log.Info("generated", "size", size, "changed", synth.Name(repo.Changed), "affected", len(repo.Graph.Affected(repo.Changed)))
	return repo, nil
}

func output(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

func gitVersion(ctx context.Context) string {
	v, _ := output(ctx, "", "git", "--version")
	return v
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// pkgVersion reads the version field of a package.json; "?" if unreadable.
func pkgVersion(file string) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return "?"
	}
	var v struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(data, &v) != nil || v.Version == "" {
		return "?"
	}
	return v.Version
}
