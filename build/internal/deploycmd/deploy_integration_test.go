package deploycmd_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/acme/platform/build/internal/deploycmd"
	"github.com/acme/platform/build/internal/helmdeploy"
	"github.com/acme/platform/libs/testenv/kube"
)

// namespace is where deploy/envs/ci.yaml puts the programs.
const namespace = "apps"

// deployJSON runs mono deploy with --json and decodes the report.
func deployJSON(t *testing.T, environ []string, args ...string) (deploycmd.Report, string, int) {
	t.Helper()
	stdout, stderr, code := mono(t, environ, append([]string{"deploy", "--env", "ci", "--json"}, args...)...)
	var rep deploycmd.Report
	if stdout != "" {
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("%v\n%s\n%s", err, stdout, stderr)
		}
	}
	return rep, stderr, code
}

func actions(rep deploycmd.Report) map[string]string {
	out := map[string]string{}
	for _, r := range rep.Results {
		out[r.Component] = fmt.Sprintf("%s/%d", r.Action, r.Revision)
	}
	return out
}

// event is one watch event of the namespace, in the order the API server
// sent it.
type event struct {
	kind, name string
	typ        watch.EventType
	done       bool // a Job that completed
}

// recordOrder watches Jobs and ReplicaSets of the namespace until stop is
// called and returns the events in order.
func recordOrder(t *testing.T, cs kubernetes.Interface) (stop func() []event) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var events []event
	var wg sync.WaitGroup
	watchKind := func(kind string, w watch.Interface, err error) {
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case ev, ok := <-w.ResultChan():
					if !ok {
						return
					}
					e := event{kind: kind, typ: ev.Type}
					switch o := ev.Object.(type) {
					case *batchv1.Job:
						e.name, e.done = o.Name, o.Status.Succeeded > 0
					case *appsv1.ReplicaSet:
						e.name = o.Name
					}
					mu.Lock()
					events = append(events, e)
					mu.Unlock()
				}
			}
		}()
	}
	jw, err := cs.BatchV1().Jobs(namespace).Watch(ctx, metav1.ListOptions{})
	watchKind("Job", jw, err)
	rw, err := cs.AppsV1().ReplicaSets(namespace).Watch(ctx, metav1.ListOptions{})
	watchKind("ReplicaSet", rw, err)
	return func() []event {
		cancel()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return events
	}
}

func deploymentImage(t *testing.T, cs kubernetes.Interface, name string) string {
	t.Helper()
	d, err := cs.AppsV1().Deployments(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d.Spec.Template.Spec.Containers[0].Image
}

// TestIntegrationDeploy runs mono deploy, deploy status and rollback
// against a real control plane (libs/testenv/kube; kwok makes pods Ready).
func TestIntegrationDeploy(t *testing.T) {
	cluster := kube.New(t)
	cs := cluster.Client()
	ctx := context.Background()
	// The chart renders ServiceMonitors and ExternalSecrets in ci.
	if err := cluster.InstallCRDs(ctx); err != nil {
		t.Fatal(err)
	}
	environ := []string{"HOME=" + t.TempDir(), "KUBECONFIG=" + cluster.Kubeconfig()}
	want := programs(t, "ci")

	// 1. Every program is installed and Ready.
	rep, stderr, code := deployJSON(t, environ, "--timeout", "3m")
	if code != 0 {
		t.Fatalf("mono deploy --env ci: exit %d\n%s", code, stderr)
	}
	var got []string
	for _, r := range rep.Results {
		got = append(got, r.Component)
		if r.Action != helmdeploy.Installed || r.Revision != 1 {
			t.Errorf("%s: %s revision %d, want installed revision 1", r.Component, r.Action, r.Revision)
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deployed components (-want +got):\n%s", diff)
	}
	for _, line := range []string{"started: install", "ready in"} {
		if !strings.Contains(stderr, line) {
			t.Errorf("progress on stderr does not say %q:\n%s", line, stderr)
		}
	}
	deps, err := cs.AppsV1().Deployments(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(deps.Items) < 3 {
		t.Fatalf("%d Deployments in %s, want one per server program", len(deps.Items), namespace)
	}
	for _, d := range deps.Items {
		if d.Spec.Replicas == nil || d.Status.ReadyReplicas != *d.Spec.Replicas || d.Status.UpdatedReplicas != *d.Spec.Replicas {
			t.Errorf("deployment %s: %d ready, %d updated of %v: want every replica rolled out and Ready", d.Name, d.Status.ReadyReplicas, d.Status.UpdatedReplicas, *d.Spec.Replicas)
		}
	}

	// 2. A second deploy of the same commit changes nothing: no new revision.
	rep, stderr, code = deployJSON(t, environ)
	if code != 0 {
		t.Fatalf("second deploy: exit %d\n%s", code, stderr)
	}
	for _, r := range rep.Results {
		if r.Action != helmdeploy.Unchanged || r.Revision != 1 {
			t.Errorf("second deploy: %s %s revision %d, want unchanged revision 1", r.Component, r.Action, r.Revision)
		}
	}

	// 3. An upgrade runs the migration Job (pre-upgrade hook) to completion
	// before the new ReplicaSet exists.
	before := deploymentImage(t, cs, "orders-api")
	stop := recordOrder(t, cs)
	rep, stderr, code = deployJSON(t, environ, "orders-api", "--tag", "v2")
	events := stop()
	if code != 0 {
		t.Fatalf("deploy orders-api --tag v2: exit %d\n%s", code, stderr)
	}
	if diff := cmp.Diff(map[string]string{"orders-api": "upgraded/2"}, actions(rep)); diff != "" {
		t.Errorf("upgrade (-want +got):\n%s", diff)
	}
	if img := deploymentImage(t, cs, "orders-api"); !strings.HasSuffix(img, ":v2") {
		t.Errorf("orders-api runs %s after --tag v2", img)
	}
	jobDone, rsAdded := -1, -1
	for i, e := range events {
		if e.kind == "Job" && e.done && jobDone < 0 {
			jobDone = i
		}
		if e.kind == "ReplicaSet" && e.typ == watch.Added && rsAdded < 0 {
			rsAdded = i
		}
	}
	if jobDone < 0 || rsAdded < 0 || jobDone > rsAdded {
		t.Errorf("want the migration Job completed before the new ReplicaSet was added; events: %+v", events)
	}
	if !strings.Contains(stderr, "running hook job/") {
		t.Errorf("progress does not name the hook Job:\n%s", stderr)
	}

	// 4. A rollout whose pods never become Ready is rolled back to
	// revision 2, with the events printed, and mono exits 1: once the
	// migration Job's pod is on the node, the node is tainted, so the
	// Deployment's new pods stay unschedulable.
	tainted := taintAfterHook(t, cs)
	rep, stderr, code = deployJSON(t, environ, "orders-api", "--tag", "v3", "--timeout", "15s")
	tainted()
	taint(t, cs, false)
	if code != 1 {
		t.Errorf("deploy that never gets Ready: exit %d, want 1\n%s", code, stderr)
	}
	if diff := cmp.Diff(map[string]string{"orders-api": "rolled-back/4"}, actions(rep)); diff != "" {
		t.Errorf("failed rollout (-want +got):\n%s\n%s", diff, stderr)
	}
	for _, say := range []string{"FailedScheduling", "PodScheduled=False", "rolling back", "waiting for", "pod/orders-api-"} {
		if !strings.Contains(stderr, say) {
			t.Errorf("stderr does not say %q:\n%s", say, stderr)
		}
	}
	if img := deploymentImage(t, cs, "orders-api"); !strings.HasSuffix(img, ":v2") {
		t.Errorf("orders-api runs %s after the failed v3, want v2 back", img)
	}
	waitReady(t, cs, "orders-api")

	// 5. mono rollback restores a chosen revision: 1, the first deploy.
	stdout, stderr, code := mono(t, environ, "rollback", "--env", "ci", "orders-api", "1", "--json")
	if code != 0 {
		t.Fatalf("rollback: exit %d\n%s", code, stderr)
	}
	var rb deploycmd.RollbackResult
	if err := json.Unmarshal([]byte(stdout), &rb); err != nil {
		t.Fatal(err)
	}
	if rb.To != 1 || rb.Revision != 5 {
		t.Errorf("rollback to %d as revision %d, want 1 as 5", rb.To, rb.Revision)
	}
	if img := deploymentImage(t, cs, "orders-api"); img != before {
		t.Errorf("orders-api runs %s after rollback to 1, want %s", img, before)
	}

	// 6. mono deploy status: what runs, from which commit, ready replicas.
	stdout, stderr, code = mono(t, environ, "deploy", "status", "--env", "ci", "--json")
	if code != 0 {
		t.Fatalf("status: exit %d\n%s", code, stderr)
	}
	var st deploycmd.StatusReport
	if err := json.Unmarshal([]byte(stdout), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Components) != len(want) {
		t.Errorf("status lists %d components, want %d", len(st.Components), len(want))
	}
	for _, c := range st.Components {
		if !c.Installed || c.Status != "deployed" || c.GitRevision == "" || c.Image == "" || c.Chart == "" || c.Ready != c.Desired {
			t.Errorf("status of %s: %+v", c.Component, c)
		}
		if c.Drift == deploycmd.DriftNotThere {
			t.Errorf("status of %s: drift %s", c.Component, c.Drift)
		}
		if c.Component == "orders-api" && c.Revision != 5 {
			t.Errorf("orders-api at revision %d, want 5", c.Revision)
		}
	}
}

// taintAfterHook taints the node as soon as a new pod of the migration
// Job (the pre-upgrade hook) is bound to it: the hook then completes, but
// the Deployment's new pods, created after it, stay unschedulable. The
// returned func waits for the watch to end and fails t if no hook pod
// was seen.
func taintAfterHook(t *testing.T, cs kubernetes.Interface) (wait func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	list, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	old := map[string]bool{}
	for _, p := range list.Items {
		old[string(p.UID)] = true
	}
	w, err := cs.CoreV1().Pods(namespace).Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan bool, 1)
	go func() {
		defer w.Stop()
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if ok && ev.Type != watch.Deleted && !old[string(p.UID)] && strings.HasPrefix(p.Name, "orders-api-migrate-") && p.Spec.NodeName != "" {
				taint(t, cs, true)
				done <- true
				return
			}
		}
		done <- false
	}()
	return func() {
		cancel()
		if !<-done {
			t.Error("no migration Job pod was scheduled during the deploy")
		}
	}
}

// taint puts (or takes off) a NoSchedule taint on the fake node.
func taint(t *testing.T, cs kubernetes.Interface, on bool) {
	t.Helper()
	ctx := context.Background()
	node, err := cs.CoreV1().Nodes().Get(ctx, kube.NodeName, metav1.GetOptions{})
	if err != nil {
		t.Error(err)
		return
	}
	node.Spec.Taints = nil
	if on {
		node.Spec.Taints = []corev1.Taint{{Key: "acme.test/full", Value: "true", Effect: corev1.TaintEffectNoSchedule}}
	}
	if _, err := cs.CoreV1().Nodes().Update(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Error(err)
	}
}

// waitReady waits (bounded) until a Deployment's replicas are all Ready.
func waitReady(t *testing.T, cs kubernetes.Interface, name string) {
	t.Helper()
	for range 60 {
		d, err := cs.AppsV1().Deployments(namespace).Get(context.Background(), name, metav1.GetOptions{})
		if err == nil && d.Spec.Replicas != nil && d.Status.ReadyReplicas == *d.Spec.Replicas && d.Status.UpdatedReplicas == *d.Spec.Replicas {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("deployment %s not Ready within 30s", name)
}
