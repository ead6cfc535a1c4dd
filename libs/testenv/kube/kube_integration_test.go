package kube_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/acme/platform/libs/testenv"
	"github.com/acme/platform/libs/testenv/kube"
)

func TestMain(m *testing.M) {
	code := m.Run()
	kube.StopShared()
	os.Exit(code)
}

// namespace creates a namespace of t's own in c and returns its name.
func namespace(t *testing.T, c *kube.Cluster) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 60 {
		name = name[:60]
	}
	_, err := c.Client().CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	return name
}

// applyFile applies testdata/name into namespace ns.
func applyFile(t *testing.T, c *kube.Cluster, ns, name string) error {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "metadata:\n", "metadata:\n  namespace: "+ns+"\n", 1))
	_, err = c.Apply(context.Background(), data)
	return err
}

func TestIntegrationControlPlaneStarts(t *testing.T) {
	t.Parallel()
	c := kube.Shared(t)
	v, err := c.Client().Discovery().ServerVersion()
	if err != nil {
		t.Fatalf("server version: %v", err)
	}
	if v.GitVersion != "v1.37.2" {
		t.Errorf("server version = %q, want v1.37.2 (stamped by hack/tools.d/kubernetes/ldflags.txt)", v.GitVersion)
	}
	// The kubeconfig file works on its own, as the helm or kubectl of a
	// test would read it.
	cfg, err := os.ReadFile(c.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), c.Server) {
		t.Errorf("kubeconfig %s does not name the server %s:\n%s", c.Kubeconfig(), c.Server, cfg)
	}
	node, err := c.Client().CoreV1().Nodes().Get(context.Background(), kube.NodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("fake node: %v", err)
	}
	if node.Annotations[kube.FakeNodeAnnotation] != "fake" {
		t.Errorf("node %s annotations = %v, want %s=fake", node.Name, node.Annotations, kube.FakeNodeAnnotation)
	}
}

func TestIntegrationDeploymentBecomesReady(t *testing.T) {
	t.Parallel()
	c := kube.Shared(t)
	ns := namespace(t, c)
	if err := applyFile(t, c, ns, "deployment.yaml"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var d *appsv1.Deployment
	var err error
	for {
		d, err = c.Client().AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err == nil && d.Status.ReadyReplicas == 3 && d.Status.UpdatedReplicas == 3 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("deployment web not 3/3 Ready in 90s: status %+v, last error %v", d.Status, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	pods, err := c.Client().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 3 {
		t.Fatalf("%d pods, want 3", len(pods.Items))
	}
	for _, p := range pods.Items {
		if p.Spec.NodeName != kube.NodeName || p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" {
			t.Errorf("pod %s: node %q phase %s IP %q, want on %s, Running, with an IP", p.Name, p.Spec.NodeName, p.Status.Phase, p.Status.PodIP, kube.NodeName)
		}
	}
}

func TestIntegrationApplyIsStrict(t *testing.T) {
	t.Parallel()
	c := kube.Shared(t)
	ns := namespace(t, c)
	err := applyFile(t, c, ns, "deployment-unknown-field.yaml")
	// Server-side apply names the field this way (an update would say
	// `unknown field "spec.replica"`).
	if err == nil || !strings.Contains(err.Error(), ".spec.replica: field not declared in schema") {
		t.Fatalf("apply of a Deployment with spec.replica: error %v, want .spec.replica: field not declared in schema", err)
	}
	if _, err := c.Client().AppsV1().Deployments(ns).Get(context.Background(), "typo", metav1.GetOptions{}); err == nil {
		t.Errorf("the rejected Deployment typo was stored")
	}
}

func TestIntegrationCRDsValidateStrictly(t *testing.T) {
	t.Parallel()
	c := kube.Shared(t)
	if err := c.InstallCRDs(context.Background()); err != nil {
		t.Fatal(err)
	}
	ns := namespace(t, c)
	for _, tc := range []struct {
		file    string
		unknown string // the field the server must name; "" when the object is valid
	}{
		{file: "servicemonitor.yaml"},
		{file: "servicemonitor-unknown-field.yaml", unknown: "spec.endpoints[0].intervall"},
		{file: "externalsecret.yaml"},
		{file: "externalsecret-unknown-field.yaml", unknown: "spec.secretStore"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			err := applyFile(t, c, ns, tc.file)
			switch {
			case tc.unknown == "" && err != nil:
				t.Errorf("apply: %v, want it accepted", err)
			case tc.unknown != "" && (err == nil || !strings.Contains(err.Error(), "."+tc.unknown+": field not declared in schema")):
				t.Errorf("apply: error %v, want .%s: field not declared in schema", err, tc.unknown)
			}
		})
	}
	// Applying them again changes nothing and fails on nothing.
	if err := c.InstallCRDs(context.Background(), "external-secrets"); err != nil {
		t.Errorf("second install: %v", err)
	}
	if err := c.InstallCRDs(context.Background(), "cert-manager"); err == nil || !strings.Contains(err.Error(), "prometheus-operator, external-secrets") {
		t.Errorf("unknown CRD set: error %v, want one naming the known sets", err)
	}
}

func TestIntegrationNewStopsAtCleanup(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts a control plane")
	}
	t.Parallel()
	var pids []int
	var dir string
	t.Run("own cluster", func(t *testing.T) {
		c := kube.New(t)
		pids, dir = c.Pids(), c.Dir
		if len(pids) != len(kube.Programs) {
			t.Errorf("%d processes, want %d (%v)", len(pids), len(kube.Programs), kube.Programs)
		}
	})
	for _, pid := range pids {
		// Each component leads its process group: no member may be left.
		if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process group %d still there after cleanup (kill 0: %v)", pid, err)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cluster folder %s still there after cleanup (%v)", dir, err)
	}
}

func TestIntegrationAssetsMatchTheirModules(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: downloads modules")
	}
	t.Parallel()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(root, "hack", "kube-assets.sh"), "--verify").CombinedOutput()
	if err != nil {
		t.Fatalf("hack/kube-assets.sh --verify: %v\n%s", err, out)
	}
}
