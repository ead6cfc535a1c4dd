package e2e

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acme/platform/libs/testenv/npmenv"
)

// repoRoot is the repository root, three folders up.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// npmReady installs the npm workspaces (once per lockfile) or fails the
// test saying what is missing.
func npmReady(t *testing.T, ctx context.Context, root string) {
	t.Helper()
	if err := npmenv.Ensure(ctx, root, func(s string) { t.Log(s) }); err != nil {
		t.Fatalf("npm workspaces: %v", err)
	}
}

// run runs a command in dir and fails the test with its output.
func run(t *testing.T, ctx context.Context, dir string, env []string, argv ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out.String())
	}
	t.Logf("%s: ok in %s", strings.Join(argv, " "), time.Since(start).Round(100*time.Millisecond))
	return out.String()
}

// freeAddr returns a loopback address nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
