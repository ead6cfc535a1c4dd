// Command deploy benchmarks `mono deploy --env ci` (every program, through
// the Helm SDK, independent releases in parallel) against the helm CLI
// running `helm upgrade --install` one release at a time, in graph order,
// with the same chart and the same composed values, on the same control
// plane (libs/testenv/kube). Each run starts from an empty namespace. It
// prints the medians and the wall ratio and exits 1 when the ratio misses
// -target (see bench/deploy/README.md).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/acme/platform/bench/internal/harness"
	"github.com/acme/platform/libs/testenv"
	"github.com/acme/platform/libs/testenv/kube"
)

func main() {
	err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/deploy:", err)
	}
	switch {
	case errors.Is(err, errMissed):
		os.Exit(1)
	case err != nil:
		os.Exit(2)
	}
}

// errMissed is a missed target (exit 1).
var errMissed = errors.New("target missed")

func run() error {
	runs := flag.Int("runs", 3, "timed runs per tool")
	warmup := flag.Int("warmup", 1, "untimed runs per tool first")
	target := flag.Float64("target", 0.5, "mono's median wall time at most this times helm's")
	timeout := flag.Duration("timeout", 5*time.Minute, "readiness timeout of each release (both tools)")
	flag.Parse()

	ctx := context.Background()
	root, err := testenv.RepoRoot()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "bench-deploy-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	log := func(msg string) { fmt.Fprintln(os.Stderr, "bench/deploy:", msg) }

	log("building mono and the helm CLI (hack/tools.sh helm)")
	mono := filepath.Join(work, "mono")
	if err := command(root, "go", "build", "-o", mono, "./build/cmd/mono"); err != nil {
		return err
	}
	if err := command(root, "hack/tools.sh", "helm"); err != nil {
		return err
	}
	helm := filepath.Join(root, ".mono", "tools", "bin", "helm")

	// The plan as mono composes it: releases in graph order, each with its
	// values.
	var plan struct {
		Namespace string
		Releases  []struct {
			Release string
			Chart   string
			Values  map[string]any
		}
	}
	dry := exec.Command(mono, "deploy", "--env", "ci", "--dry-run", "--json")
	dry.Dir, dry.Stderr = root, os.Stderr
	out, err := dry.Output()
	if err != nil {
		return fmt.Errorf("mono deploy --env ci --dry-run --json: %w", err)
	}
	if err := json.Unmarshal(out, &plan); err != nil {
		return fmt.Errorf("mono deploy --env ci --dry-run --json: %w", err)
	}
	cluster, err := kube.Start(ctx, root, log)
	if err != nil {
		return err
	}
	defer cluster.Stop()
	if err := cluster.InstallCRDs(ctx); err != nil {
		return err
	}
	kc := cluster.Kubeconfig()

	// The helm row: one `helm upgrade --install` per release, in the plan's
	// graph order, each with the values mono composed, waiting like mono
	// does (kstatus watcher, Jobs included).
	var script []string
	for _, r := range plan.Releases {
		data, err := yaml.Marshal(r.Values)
		if err != nil {
			return err
		}
		values := filepath.Join(work, r.Release+".yaml")
		if err := os.WriteFile(values, data, 0o600); err != nil {
			return err
		}
		script = append(script, strings.Join([]string{helm, "upgrade", "--install", r.Release, filepath.Join(root, r.Chart),
			"--namespace", plan.Namespace, "--create-namespace", "--values", values,
			"--wait=watcher", "--wait-for-jobs", "--timeout", timeout.String(), "--kubeconfig", kc}, " "))
	}
	reset := func() error { return emptyNamespace(ctx, cluster.Client(), plan.Namespace) }
	monoCmd := harness.Command{Tool: "mono deploy", Dir: root, Path: mono, Before: reset,
		Args: []string{"deploy", "--env", "ci", "--kubeconfig", kc, "--timeout", timeout.String()}}
	helmCmd := harness.Command{Tool: "helm x" + fmt.Sprint(len(plan.Releases)), Dir: root, Path: "bash", Before: reset,
		Args: []string{"-euc", strings.Join(script, "\n")}}

	// No reaping: the control plane's processes are this process's children.
	runner := &harness.Runner{Timeout: 20 * time.Minute}
	log(fmt.Sprintf("%d releases into namespace %s; %d warm-up + %d timed runs per tool", len(plan.Releases), plan.Namespace, *warmup, *runs))
	monoS, err := runner.Repeat(ctx, monoCmd, *warmup, *runs, nil)
	if err != nil {
		return err
	}
	helmS, err := runner.Repeat(ctx, helmCmd, *warmup, *runs, nil)
	if err != nil {
		return err
	}
	ratio := harness.Compare(monoS, []*harness.Series{helmS})
	r, tgt, verdict := ratio.Verdict(*target)
	rows := []harness.Row{
		{Case: "deploy", Size: len(plan.Releases), Tool: monoCmd.Tool, Series: monoS, Ratio: r, Target: tgt, Result: verdict},
		{Case: "deploy", Size: len(plan.Releases), Tool: helmCmd.Tool, Series: helmS},
	}
	if err := harness.WriteTable(os.Stdout, rows); err != nil {
		return err
	}
	if verdict == "FAIL" {
		return fmt.Errorf("%w: mono %s", errMissed, r)
	}
	return nil
}

// command runs a setup command, its output on stderr.
func command(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// emptyNamespace deletes ns (releases and their records with it) and
// waits, at most two minutes, until it is gone, so each run installs from
// nothing.
func emptyNamespace(ctx context.Context, cs kubernetes.Interface, ns string) error {
	err := cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		_, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
	}
	return fmt.Errorf("namespace %s still there two minutes after its deletion", ns)
}
