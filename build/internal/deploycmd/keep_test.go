package deploycmd_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/acme/platform/libs/testenv"
	"github.com/acme/platform/libs/testenv/kube"
)

var keep = flag.String("kube-keep", "", "start a control plane, write its kubeconfig to DIR/kubeconfig and keep it until DIR/stop exists (at most 2h): for running mono deploy by hand")

// TestKeepControlPlane is not a check but a tool (docs/deploy.md): with
// -kube-keep=DIR it starts the control plane of libs/testenv/kube and keeps
// it running, so that mono deploy --env ci --kubeconfig DIR/kubeconfig can
// be run by hand. Without the flag it does nothing.
//
//	go test ./build/internal/deploycmd -run TestKeepControlPlane -timeout 0 -kube-keep=/tmp/kc
func TestKeepControlPlane(t *testing.T) {
	if *keep == "" {
		t.Skip("a tool, not a check: pass -kube-keep=DIR")
	}
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	c, err := kube.Start(ctx, root, func(msg string) { t.Log(msg) })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if err := c.InstallCRDs(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(*keep, 0o755); err != nil {
		t.Fatal(err)
	}
	kc := filepath.Join(*keep, "kubeconfig")
	data, err := os.ReadFile(c.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kc, data, 0o600); err != nil {
		t.Fatal(err)
	}
	stop := filepath.Join(*keep, "stop")
	_ = os.Remove(stop)
	t.Logf("control plane at %s; kubeconfig %s; touch %s to stop it", c.Server, kc, stop)
	for deadline := time.Now().Add(2 * time.Hour); time.Now().Before(deadline); time.Sleep(time.Second) {
		if _, err := os.Stat(stop); err == nil {
			return
		}
	}
}
