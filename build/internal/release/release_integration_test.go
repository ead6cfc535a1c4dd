package release_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/acme/platform/build/internal/release"
	"github.com/acme/platform/libs/testenv/kube"
)

// TestIntegrationManifestsApplyStrictly applies every rendered manifest of
// every program in every environment (hooks included) to a real control
// plane by server-side apply with strict field validation, with the
// vendored CRDs of External Secrets and the Prometheus operator installed:
// the API server accepts each object as it is.
func TestIntegrationManifestsApplyStrictly(t *testing.T) {
	c := kube.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := c.InstallCRDs(ctx); err != nil {
		t.Fatal(err)
	}
	for _, env := range envs {
		plan, err := release.Build(repoRoot(t), env, release.Options{Tag: testTag, Revision: testRevision})
		if err != nil {
			t.Fatalf("build %s: %v", env, err)
		}
		// One namespace per environment, so that the environments' objects
		// of one name do not meet.
		ns := "chart-" + env
		if _, err := c.Client().CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		applied := map[string]int{}
		for _, r := range plan.Releases {
			files, err := release.Render(r, ns)
			if err != nil {
				t.Fatal(err)
			}
			var stream []string
			for _, o := range parse(t, files) {
				meta := o["metadata"].(map[string]any)
				meta["namespace"] = ns
				data, err := sigsyaml.Marshal(map[string]any(o))
				if err != nil {
					t.Fatal(err)
				}
				stream = append(stream, string(data))
			}
			objs, err := c.Apply(ctx, []byte(strings.Join(stream, "---\n")))
			if err != nil {
				t.Errorf("%s/%s: %v", env, r.Component, err)
				continue
			}
			if len(objs) != len(stream) {
				t.Errorf("%s/%s: %d objects applied of %d", env, r.Component, len(objs), len(stream))
			}
			for _, o := range objs {
				applied[o.GetKind()]++
			}
		}
		for _, kind := range []string{"Deployment", "Service", "ServiceAccount", "NetworkPolicy", "ExternalSecret", "ServiceMonitor", "Ingress", "Job", "PodDisruptionBudget", "ConfigMap"} {
			if applied[kind] == 0 {
				t.Errorf("%s: no %s applied (%v)", env, kind, applied)
			}
		}
		t.Logf("%s: applied %v", env, applied)
	}
}
