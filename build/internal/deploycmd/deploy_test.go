package deploycmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/app"
	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/deploycmd"
	"github.com/acme/platform/build/internal/discover"
	"github.com/acme/platform/build/internal/release"
	"github.com/acme/platform/build/internal/workspace"
	"github.com/acme/platform/libs/testenv"
)

// mono runs mono in-process in the repository with environ and returns
// its output and exit code.
func mono(t *testing.T, environ []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	deps := cli.Deps{IO: cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Dir: root, Environ: environ}
	code = app.Main(context.Background(), args, deps)
	return out.String(), errOut.String(), code
}

// programs are the components `mono deploy --env ci` must deploy: every
// program (release.Deployable) whose deploy.envs lists ci.
func programs(t *testing.T, env string) []string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	g, err := discover.Discover(ws)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range g.Components() {
		if release.Deployable(c.Kind) && slices.Contains(c.Deploy.Envs, env) {
			out = append(out, c.Name)
		}
	}
	slices.Sort(out)
	if len(out) < 4 {
		t.Fatalf("found only %d programs deployed to %s (%v): the test would prove little", len(out), env, out)
	}
	return out
}

// TestDeployDryRunNeedsNoCluster: the plan names every program, in graph
// order, with no kubeconfig anywhere.
func TestDeployDryRunNeedsNoCluster(t *testing.T) {
	t.Parallel()
	environ := []string{"HOME=" + t.TempDir(), "KUBECONFIG=" + filepath.Join(t.TempDir(), "missing")}
	stdout, stderr, code := mono(t, environ, "deploy", "--env", "ci", "--dry-run", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var plan deploycmd.PlanView
	if err := json.Unmarshal([]byte(stdout), &plan); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	var got []string
	order := map[string]int{}
	for _, r := range plan.Releases {
		got = append(got, r.Component)
		order[r.Component] = r.Order
		if r.Chart != release.ChartDir || r.Image == "" || len(r.Objects) == 0 {
			t.Errorf("%s: chart %q, image %q, %d objects: want the app chart, an image and rendered objects", r.Component, r.Chart, r.Image, len(r.Objects))
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(programs(t, "ci"), got); diff != "" {
		t.Errorf("planned components (-want +got):\n%s", diff)
	}
	for _, r := range plan.Releases {
		for _, need := range r.Needs {
			if order[need] >= r.Order {
				t.Errorf("%s (order %d) needs %s (order %d): want it later", r.Component, r.Order, need, order[need])
			}
		}
	}
	if plan.Namespace == "" || plan.Env != "ci" {
		t.Errorf("plan env %q namespace %q", plan.Env, plan.Namespace)
	}

	// The table for people names every program too.
	stdout, stderr, code = mono(t, environ, "deploy", "--env", "ci", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, name := range programs(t, "ci") {
		if !strings.Contains(stdout, name) {
			t.Errorf("dry-run output does not name %s:\n%s", name, stdout)
		}
	}
}

// countingServer is a loopback listener that counts connections: a
// kubeconfig pointing at it shows whether a command contacted the cluster.
func countingServer(t *testing.T) (kubeconfig string, contacts *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	contacts = &atomic.Int32{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			contacts.Add(1)
			c.Close()
		}
	}()
	kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://` + ln.Addr().String() + `", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: t}
contexts:
- name: c
  context: {cluster: c, user: u}
- name: acme-prod
  context: {cluster: c, user: u}
current-context: c
`
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return kubeconfig, contacts
}

// TestDeployBadInputTouchesNoCluster: bad input fails with a clear error
// and exit code before any connection to the cluster.
func TestDeployBadInputTouchesNoCluster(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{name: "unknown env", args: []string{"deploy", "--env", "nope"}, wantCode: cli.ExitUsage, want: `unknown environment "nope"`},
		{name: "unknown component", args: []string{"deploy", "--env", "ci", "nosuch"}, wantCode: cli.ExitUsage, want: "nosuch"},
		{name: "latest tag", args: []string{"deploy", "--env", "ci", "--tag", "latest"}, wantCode: cli.ExitFailed, want: "latest"},
		{name: "dry-run and diff", args: []string{"deploy", "--env", "ci", "--dry-run", "--diff"}, wantCode: cli.ExitUsage, want: "exclude each other"},
		{name: "affected without base", args: []string{"deploy", "--env", "ci", "--affected"}, wantCode: cli.ExitUsage, want: "--affected needs --base"},
		{name: "affected and names", args: []string{"deploy", "--env", "ci", "--affected", "--base", "HEAD", "pricing"}, wantCode: cli.ExitUsage, want: "not both"},
		{name: "no env", args: []string{"deploy"}, wantCode: cli.ExitUsage, want: "env"},
		{name: "prod without a terminal", args: []string{"deploy", "--env", "prod"}, wantCode: cli.ExitUsage, want: "refusing to apply to prod without a terminal"},
		{name: "rollback bad revision", args: []string{"rollback", "--env", "ci", "orders-api", "two"}, wantCode: cli.ExitUsage, want: "REVISION"},
		{name: "rollback unknown component", args: []string{"rollback", "--env", "ci", "nosuch"}, wantCode: cli.ExitUsage, want: "nosuch"},
		{name: "rollback prod without a terminal", args: []string{"rollback", "--env", "prod", "orders-api"}, wantCode: cli.ExitUsage, want: "refusing to apply to prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kubeconfig, contacts := countingServer(t)
			_, stderr, code := mono(t, []string{"HOME=" + t.TempDir(), "KUBECONFIG=" + kubeconfig}, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\n%s", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not say %q:\n%s", tt.want, stderr)
			}
			if n := contacts.Load(); n != 0 {
				t.Errorf("the cluster was contacted %d times: bad input must fail before", n)
			}
		})
	}
}
