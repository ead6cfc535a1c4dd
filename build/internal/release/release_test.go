package release_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/release"
	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// envs are the environments the programs are deployed to by the chart.
var envs = []string{"ci", "dev", "staging", "prod"}

// programs are the deployable programs of every environment.
var programs = []string{"console", "exports-cleanup", "orders-api", "pricing", "sales-dash", "sales-rollup"}

const (
	testTag      = "v1.2.3"
	testRevision = "0123456789abcdef0123456789abcdef01234567"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// object is one rendered Kubernetes object.
type object map[string]any

func (o object) kind() string { s, _ := o["kind"].(string); return s }
func (o object) name() string { return str(o, "metadata", "name") }

// get walks maps and lists (an int key indexes a list).
func get(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				if o, isObj := v.(object); isObj {
					m = o
				} else {
					return nil
				}
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, keys ...any) string { s, _ := get(v, keys...).(string); return s }

// rendered is the plan and the objects of one environment.
type rendered struct {
	plan    *release.Plan
	objects map[string][]object // component -> objects
	files   map[string]map[string]string
}

var (
	renderOnce sync.Map // env -> *rendered
)

// renderEnv builds and renders every program of env once per test binary.
func renderEnv(t *testing.T, env string) *rendered {
	t.Helper()
	if r, ok := renderOnce.Load(env); ok {
		return r.(*rendered)
	}
	plan, err := release.Build(repoRoot(t), env, release.Options{Tag: testTag, Revision: testRevision})
	if err != nil {
		t.Fatalf("build %s: %v", env, err)
	}
	r := &rendered{plan: plan, objects: map[string][]object{}, files: map[string]map[string]string{}}
	for _, rel := range plan.Releases {
		files, err := release.Render(rel, plan.Namespace)
		if err != nil {
			t.Fatalf("render %s in %s: %v", rel.Component, env, err)
		}
		r.files[rel.Component] = files
		r.objects[rel.Component] = parse(t, files)
	}
	renderOnce.Store(env, r)
	return r
}

// parse decodes every YAML document of the rendered files, in file order.
func parse(t *testing.T, files map[string]string) []object {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []object
	for _, n := range names {
		dec := yaml.NewDecoder(strings.NewReader(files[n]))
		for {
			var o map[string]any
			err := dec.Decode(&o)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v\n%s", n, err, files[n])
			}
			if o != nil {
				out = append(out, object(o))
			}
		}
	}
	return out
}

func find(objs []object, kind, name string) object {
	for _, o := range objs {
		if o.kind() == kind && o.name() == name {
			return o
		}
	}
	return nil
}

func TestPlanEveryEnv(t *testing.T) {
	t.Parallel()
	for _, env := range envs {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			r := renderEnv(t, env)
			var got []string
			needs := map[string][]string{}
			for _, rel := range r.plan.Releases {
				got = append(got, rel.Component)
				needs[rel.Component] = rel.Needs
				if rel.Name != rel.Component || !filepath.IsAbs(rel.Chart) {
					t.Errorf("%s: name %q, chart %q", rel.Component, rel.Name, rel.Chart)
				}
			}
			if diff := cmp.Diff(programs, slices.Sorted(slices.Values(got))); diff != "" {
				t.Errorf("programs (-want +got):\n%s", diff)
			}
			// Graph order: a program after what it needs.
			for i, c := range got {
				for _, n := range needs[c] {
					if slices.Index(got, n) > i {
						t.Errorf("%s comes before %s, which it needs", c, n)
					}
				}
			}
			if diff := cmp.Diff([]string{"pricing"}, needs["orders-api"]); diff != "" {
				t.Errorf("orders-api needs (-want +got):\n%s", diff)
			}
			if r.plan.Namespace != "apps" || r.plan.Env != env {
				t.Errorf("plan namespace %q env %q", r.plan.Namespace, r.plan.Env)
			}
		})
	}
}

// TestRenderedObjects checks the properties every program must have in
// every environment.
func TestRenderedObjects(t *testing.T) {
	t.Parallel()
	for _, env := range envs {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			r := renderEnv(t, env)
			for _, c := range programs {
				objs := r.objects[c]
				kinds := map[string]int{}
				for _, o := range objs {
					kinds[o.kind()]++
					checkLabels(t, env, c, o)
					if o.kind() == "Secret" {
						t.Errorf("%s/%s: renders a Secret: secrets come from External Secrets only", env, c)
					}
					if o.kind() == "ExternalSecret" {
						checkExternalSecret(t, env, c, o)
					}
					if pod := podSpec(o); pod != nil {
						checkPod(t, env, c, o, pod)
					}
				}
				if kinds["ServiceAccount"] < 1 || kinds["NetworkPolicy"] != 1 {
					t.Errorf("%s/%s: want a ServiceAccount and one NetworkPolicy, got %v", env, c, kinds)
				}
				if !strings.HasPrefix(c, "sales-rollup") && c != "exports-cleanup" {
					for _, k := range []string{"Deployment", "Service", "PodDisruptionBudget"} {
						if kinds[k] != 1 {
							t.Errorf("%s/%s: %d %s, want 1", env, c, kinds[k], k)
						}
					}
					checkProbes(t, env, c, find(objs, "Deployment", c))
				} else if kinds["Deployment"]+kinds["Service"]+kinds["CronJob"] != 0 {
					t.Errorf("%s/%s: a job run by Airflow gets no Deployment, Service or CronJob: %v", env, c, kinds)
				}
			}
		})
	}
}

func checkLabels(t *testing.T, env, c string, o object) {
	t.Helper()
	for _, l := range []string{"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by", "app.kubernetes.io/part-of", "app.kubernetes.io/version"} {
		if str(o, "metadata", "labels", l) == "" {
			t.Errorf("%s/%s: %s %s has no label %s", env, c, o.kind(), o.name(), l)
		}
	}
	if got := str(o, "metadata", "labels", "app.kubernetes.io/name"); got != c {
		t.Errorf("%s/%s: %s %s is labelled %q", env, c, o.kind(), o.name(), got)
	}
}

// podSpec returns the pod spec of a workload, nil for other objects.
func podSpec(o object) map[string]any {
	var v any
	switch o.kind() {
	case "Deployment", "Job":
		v = get(o, "spec", "template", "spec")
	case "CronJob":
		v = get(o, "spec", "jobTemplate", "spec", "template", "spec")
	}
	m, _ := v.(map[string]any)
	return m
}

func checkPod(t *testing.T, env, c string, o object, pod map[string]any) {
	t.Helper()
	where := fmt.Sprintf("%s/%s %s %s", env, c, o.kind(), o.name())
	want := map[string]any{"runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532, "fsGroup": 65532, "seccompProfile": map[string]any{"type": "RuntimeDefault"}}
	if diff := cmp.Diff(want, pod["securityContext"]); diff != "" {
		t.Errorf("%s: pod securityContext (-want +got):\n%s", where, diff)
	}
	if get(pod, "automountServiceAccountToken") != false {
		t.Errorf("%s: the Kubernetes API token is mounted", where)
	}
	containers, _ := pod["containers"].([]any)
	if len(containers) != 1 {
		t.Fatalf("%s: %d containers", where, len(containers))
	}
	ct := containers[0]
	wantCtx := map[string]any{"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true, "runAsUser": 65532,
		"capabilities": map[string]any{"drop": []any{"ALL"}}, "seccompProfile": map[string]any{"type": "RuntimeDefault"}}
	if diff := cmp.Diff(wantCtx, get(ct, "securityContext")); diff != "" {
		t.Errorf("%s: container securityContext (-want +got):\n%s", where, diff)
	}
	image := str(ct, "image")
	if strings.HasSuffix(image, ":latest") || !strings.HasSuffix(image, "/"+c+":"+testTag) {
		t.Errorf("%s: image %q, want <registry>/%s:%s", where, image, c, testTag)
	}
	if str(ct, "volumeMounts", 0, "mountPath") != "/tmp" || get(pod, "volumes", 0, "emptyDir") == nil {
		t.Errorf("%s: no emptyDir at /tmp for the read-only root", where)
	}
	if str(ct, "env", 0, "name") != "ENV" || str(ct, "env", 0, "value") != env {
		t.Errorf("%s: ENV is not %s: %v", where, env, get(ct, "env"))
	}
	if get(ct, "resources", "requests", "memory") == nil || get(ct, "resources", "limits", "memory") == nil {
		t.Errorf("%s: no memory request and limit", where)
	}
}

// checkProbes compares the Deployment's probes and shutdown with the
// component's deploy settings.
func checkProbes(t *testing.T, env, c string, d object) {
	t.Helper()
	want := map[string][2]string{
		"orders-api": {"/healthz", "/readyz"}, "pricing": {"/healthz", "/readyz"},
		"console": {"/healthz", "/readyz"}, "sales-dash": {"/healthz", "/healthz"},
	}[c]
	ct := get(d, "spec", "template", "spec", "containers", 0)
	got := [2]string{str(ct, "livenessProbe", "httpGet", "path"), str(ct, "readinessProbe", "httpGet", "path")}
	if got != want {
		t.Errorf("%s/%s: probes %v, want %v", env, c, got, want)
	}
	if get(ct, "lifecycle", "preStop", "sleep", "seconds") == nil || get(ct, "lifecycle", "preStop", "exec") != nil {
		t.Errorf("%s/%s: preStop must be the sleep action (no shell in the images): %v", env, c, get(ct, "lifecycle"))
	}
	grace, _ := get(d, "spec", "template", "spec", "terminationGracePeriodSeconds").(int)
	sleep, _ := get(ct, "lifecycle", "preStop", "sleep", "seconds").(int)
	if grace <= sleep {
		t.Errorf("%s/%s: terminationGracePeriodSeconds %d must exceed the preStop sleep %d", env, c, grace, sleep)
	}
	if n := len(get(d, "spec", "template", "spec", "topologySpreadConstraints").([]any)); n != 2 {
		t.Errorf("%s/%s: %d topology spread constraints, want zone and node", env, c, n)
	}
}

// checkExternalSecret: names only, never a value or a template that could
// hold one.
func checkExternalSecret(t *testing.T, env, c string, o object) {
	t.Helper()
	spec, _ := o["spec"].(map[string]any)
	for k := range spec {
		if !slices.Contains([]string{"refreshInterval", "secretStoreRef", "target", "data"}, k) {
			t.Errorf("%s/%s: ExternalSecret %s has spec.%s", env, c, o.name(), k)
		}
	}
	if get(spec, "target", "template") != nil {
		t.Errorf("%s/%s: ExternalSecret %s has a target template", env, c, o.name())
	}
	data, _ := spec["data"].([]any)
	if len(data) == 0 {
		t.Errorf("%s/%s: ExternalSecret %s has no data", env, c, o.name())
	}
	prefix := "acme/" + env + "/"
	for _, d := range data {
		m := d.(map[string]any)
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range m {
				if !yield(k) {
					return
				}
			}
		})
		if diff := cmp.Diff([]string{"remoteRef", "secretKey"}, keys); diff != "" {
			t.Errorf("%s/%s: ExternalSecret data entry keys (-want +got):\n%s", env, c, diff)
		}
		if k := str(m, "remoteRef", "key"); !strings.HasPrefix(k, prefix) {
			t.Errorf("%s/%s: remote key %q is outside %s", env, c, k, prefix)
		}
	}
}

// TestSecretsReachTheProgramAsVariables: each secret:// key the program
// reads is a variable of the ExternalSecret's Secret, which the container
// takes whole.
func TestSecretsReachTheProgramAsVariables(t *testing.T) {
	t.Parallel()
	r := renderEnv(t, "dev")
	tests := []struct {
		component string
		want      map[string]string // variable -> remote key#property
	}{
		{"orders-api", map[string]string{"ORDERS_API__JWT__SIGNING_KEY": "acme/dev/orders-api#jwt_signing_key"}},
		{"sales-dash", map[string]string{"SALES_DASH__JWT__SIGNING_KEY": "acme/dev/orders-api#jwt_signing_key"}},
	}
	for _, tt := range tests {
		t.Run(tt.component, func(t *testing.T) {
			t.Parallel()
			objs := r.objects[tt.component]
			es := find(objs, "ExternalSecret", tt.component)
			got := map[string]string{}
			for _, d := range get(es, "spec", "data").([]any) {
				got[str(d, "secretKey")] = str(d, "remoteRef", "key") + "#" + str(d, "remoteRef", "property")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("secrets (-want +got):\n%s", diff)
			}
			d := find(objs, "Deployment", tt.component)
			if s := str(d, "spec", "template", "spec", "containers", 0, "envFrom", 0, "secretRef", "name"); s != str(es, "spec", "target", "name") {
				t.Errorf("the container reads Secret %q, the ExternalSecret writes %q", s, str(es, "spec", "target", "name"))
			}
		})
	}
}

// TestDatabaseUserIsTheProgramsRole: a program with migrations connects as
// its runtime role and its migration Job as its owner role (the roles of
// mono db roles, which the Pod Identity roles of infrastructure/live/iam.tf
// may connect as), through the variable libs/config reads over
// shared.database.user; the others keep the configured user. The database
// logs in with IAM, so no pod is given a database password.
func TestDatabaseUserIsTheProgramsRole(t *testing.T) {
	t.Parallel()
	userVar := config.VarName("shared", "database", "user")
	passwordVar := config.VarName("shared", "database", "password")
	// dbUser is the value of the user variable in the first container of
	// o's pod template ("" if it is not set), failing on a duplicate.
	dbUser := func(t *testing.T, o object, spec ...any) string {
		t.Helper()
		got := ""
		envs, _ := get(o, append(spec, "containers", 0, "env")...).([]any)
		for _, e := range envs {
			if str(e, "name") == userVar {
				if got != "" {
					t.Errorf("%s %s: %s set twice", o.kind(), o.name(), userVar)
				}
				got = str(e, "value")
			}
		}
		return got
	}
	for _, env := range envs {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			r := renderEnv(t, env)
			want := map[string][2]string{ // component -> runtime, owner
				"orders-api":   {"orders_api", "orders_api_owner"},
				"sales-rollup": {"sales_rollup", "sales_rollup_owner"},
			}
			for _, rel := range r.plan.Releases {
				c := rel.Component
				if got, w := []string{str(rel.Values, "database", "user"), str(rel.Values, "database", "migrationUser")}, want[c]; !cmp.Equal(got, w[:]) {
					t.Errorf("%s: database users %q, want %q", c, got, w)
				}
				for _, o := range r.objects[c] {
					switch o.kind() {
					case "Deployment":
						if got := dbUser(t, o, "spec", "template", "spec"); got != want[c][0] {
							t.Errorf("%s: Deployment %s connects as %q, want %q", c, o.name(), got, want[c][0])
						}
					case "CronJob":
						if got := dbUser(t, o, "spec", "jobTemplate", "spec", "template", "spec"); got != want[c][0] {
							t.Errorf("%s: CronJob %s connects as %q, want %q", c, o.name(), got, want[c][0])
						}
					case "Job":
						if got := dbUser(t, o, "spec", "template", "spec"); got != want[c][1] {
							t.Errorf("%s: migration Job %s connects as %q, want %q", c, o.name(), got, want[c][1])
						}
					case "ExternalSecret":
						for _, d := range get(o, "spec", "data").([]any) {
							if str(d, "secretKey") == passwordVar {
								t.Errorf("%s: ExternalSecret %s delivers %s (%s): the database logs in with IAM", c, o.name(), passwordVar, str(d, "remoteRef", "key"))
							}
						}
					}
				}
			}
			if job := find(r.objects["orders-api"], "Job", "orders-api-migrate"); job == nil {
				t.Errorf("orders-api has no migration Job in %s", env)
			}
		})
	}
}

// TestConfigReachesThePod: Go programs mount config/base.yaml and
// config/<env>.yaml at CONFIG_DIR; the Dash app gets variables.
func TestConfigReachesThePod(t *testing.T) {
	t.Parallel()
	r := renderEnv(t, "staging")
	cm := find(r.objects["orders-api"], "ConfigMap", "orders-api-config")
	root := repoRoot(t)
	for _, f := range []string{"base.yaml", "staging.yaml"} {
		want, err := os.ReadFile(filepath.Join(root, "config", f))
		if err != nil {
			t.Fatal(err)
		}
		if got := str(cm, "data", f); got != string(want) {
			t.Errorf("ConfigMap %s differs from config/%s:\n%s", f, f, cmp.Diff(string(want), got))
		}
	}
	ct := get(find(r.objects["orders-api"], "Deployment", "orders-api"), "spec", "template", "spec", "containers", 0)
	if str(ct, "env", 1, "name") != "CONFIG_DIR" || str(ct, "env", 1, "value") != "/etc/acme/config" {
		t.Errorf("orders-api env: %v", get(ct, "env"))
	}
	dash := get(find(r.objects["sales-dash"], "Deployment", "sales-dash"), "spec", "template", "spec", "containers", 0)
	vars := map[string]string{}
	for _, e := range get(dash, "env").([]any) {
		vars[str(e, "name")] = str(e, "value")
	}
	for k, v := range map[string]string{"SALES_DASH__LISTEN": ":8050", "SALES_DASH__ORDERS_API_URL": "http://orders-api:8080"} {
		if vars[k] != v {
			t.Errorf("sales-dash %s = %q, want %q (all: %v)", k, vars[k], v, vars)
		}
	}
	if _, ok := vars["SALES_DASH__JWT__SIGNING_KEY"]; ok {
		t.Error("the signing key is a plain variable")
	}
	if find(r.objects["sales-dash"], "ConfigMap", "sales-dash-config") != nil {
		t.Error("sales-dash got a ConfigMap; it reads variables only")
	}
}

// TestNetworkPolicyEdges checks the edges the component graph declares.
func TestNetworkPolicyEdges(t *testing.T) {
	t.Parallel()
	r := renderEnv(t, "dev")
	type edge struct {
		Peer string // component, namespace:<ns> or a CIDR
		Port int
	}
	policy := func(c string) (in, out []edge) {
		np := find(r.objects[c], "NetworkPolicy", c)
		if diff := cmp.Diff([]any{"Ingress", "Egress"}, get(np, "spec", "policyTypes")); diff != "" {
			t.Errorf("%s: policyTypes (-want +got):\n%s", c, diff)
		}
		peers := func(rules any, side string) []edge {
			var out []edge
			list, _ := rules.([]any)
			for _, rule := range list {
				for _, p := range get(rule, side).([]any) {
					peer := str(p, "podSelector", "matchLabels", "app.kubernetes.io/name")
					if ns := str(p, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name"); ns != "" {
						peer = "namespace:" + ns
					}
					if cidr := str(p, "ipBlock", "cidr"); cidr != "" {
						peer = cidr
					}
					for _, port := range get(rule, "ports").([]any) {
						out = append(out, edge{peer, get(port, "port").(int)})
					}
				}
			}
			return out
		}
		return peers(get(np, "spec", "ingress"), "from"), peers(get(np, "spec", "egress"), "to")
	}
	dns := []edge{{"namespace:kube-system", 53}, {"namespace:kube-system", 53}}
	external := []edge{{"0.0.0.0/0", 443}, {"10.10.0.0/16", 4318}}
	tests := []struct {
		component string
		in, out   []edge
	}{
		{"orders-api",
			[]edge{{"console", 8080}, {"sales-dash", 8080}, {"namespace:ingress-nginx", 8080}, {"namespace:monitoring", 8080}},
			slices.Concat(dns, []edge{{"pricing", 8081}, {"10.10.0.0/16", 5432}}, external)},
		{"pricing",
			[]edge{{"orders-api", 8081}, {"namespace:monitoring", 8081}},
			slices.Concat(dns, external)},
		{"sales-dash",
			[]edge{{"namespace:ingress-nginx", 8050}},
			slices.Concat(dns, []edge{{"orders-api", 8080}}, external)},
		// sales-rollup uses orders-api's code (ordersdb), not its API.
		{"sales-rollup", nil,
			slices.Concat(dns, []edge{{"10.10.0.0/16", 5432}}, external)},
	}
	for _, tt := range tests {
		t.Run(tt.component, func(t *testing.T) {
			t.Parallel()
			in, out := policy(tt.component)
			if diff := cmp.Diff(tt.in, in); diff != "" {
				t.Errorf("ingress (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.out, out); diff != "" {
				t.Errorf("egress (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMigrationHook: a service with migrations runs `<program> migrate` as
// a pre-install,pre-upgrade hook, with what it needs made before it.
func TestMigrationHook(t *testing.T) {
	t.Parallel()
	for _, env := range envs {
		r := renderEnv(t, env)
		for _, c := range programs {
			job := find(r.objects[c], "Job", c+"-migrate")
			if (job != nil) != (c == "orders-api") {
				t.Errorf("%s/%s: migration Job %v; want one for orders-api only (sales-rollup migrates at start)", env, c, job != nil)
			}
			if job == nil {
				continue
			}
			if got := str(job, "metadata", "annotations", "helm.sh/hook"); got != "pre-install,pre-upgrade" {
				t.Errorf("%s/%s: hook %q", env, c, got)
			}
			if diff := cmp.Diff([]any{"migrate"}, get(job, "spec", "template", "spec", "containers", 0, "args")); diff != "" {
				t.Errorf("%s/%s: migrate args (-want +got):\n%s", env, c, diff)
			}
			sa := str(job, "spec", "template", "spec", "serviceAccountName")
			for _, dep := range []struct{ kind, name string }{{"ServiceAccount", sa}, {"ConfigMap", c + "-migrate-config"}, {"ExternalSecret", c + "-migrate"}} {
				o := find(r.objects[c], dep.kind, dep.name)
				if o == nil || str(o, "metadata", "annotations", "helm.sh/hook-weight") != "-10" {
					t.Errorf("%s/%s: the Job's %s %s is not a hook made before it", env, c, dep.kind, dep.name)
				}
			}
		}
	}
}

// TestIngressHosts: the console, the dashboard and the API are public at
// the hosts of deploy/envs/<env>.yaml, with a cert-manager certificate.
func TestIngressHosts(t *testing.T) {
	t.Parallel()
	want := map[string]map[string]string{
		"ci":      {"orders-api": "api.ci.acme.test", "console": "console.ci.acme.test", "sales-dash": "dash.ci.acme.test"},
		"dev":     {"orders-api": "api.dev.acme.example", "console": "console.dev.acme.example", "sales-dash": "dash.dev.acme.example"},
		"staging": {"orders-api": "api.staging.acme.example", "console": "console.staging.acme.example", "sales-dash": "dash.staging.acme.example"},
		"prod":    {"orders-api": "api.acme.example", "console": "console.acme.example", "sales-dash": "dash.acme.example"},
	}
	for _, env := range envs {
		r := renderEnv(t, env)
		got := map[string]string{}
		for _, c := range programs {
			in := find(r.objects[c], "Ingress", c)
			if in == nil {
				continue
			}
			got[c] = str(in, "spec", "rules", 0, "host")
			if str(in, "spec", "tls", 0, "hosts", 0) != got[c] || str(in, "metadata", "annotations", "cert-manager.io/cluster-issuer") == "" {
				t.Errorf("%s/%s: TLS: %v", env, c, in["spec"])
			}
		}
		if diff := cmp.Diff(want[env], got); diff != "" {
			t.Errorf("%s: hosts (-want +got):\n%s", env, diff)
		}
	}
}

// TestSizingPerEnv: replicas, autoscaling and resources come from
// deploy/envs/<env>.yaml.
func TestSizingPerEnv(t *testing.T) {
	t.Parallel()
	prod := renderEnv(t, "prod")
	hpa := find(prod.objects["orders-api"], "HorizontalPodAutoscaler", "orders-api")
	if get(hpa, "spec", "minReplicas") != 3 || get(hpa, "spec", "maxReplicas") != 12 {
		t.Errorf("prod orders-api HPA: %v", hpa["spec"])
	}
	if d := find(prod.objects["orders-api"], "Deployment", "orders-api"); get(d, "spec", "replicas") != nil {
		t.Error("prod orders-api: replicas set beside an HPA")
	}
	if got := get(find(prod.objects["console"], "Deployment", "console"), "spec", "replicas"); got != 3 {
		t.Errorf("prod console replicas %v, want 3", got)
	}
	if got := str(find(prod.objects["orders-api"], "Deployment", "orders-api"), "spec", "template", "spec", "containers", 0, "resources", "limits", "memory"); got != "1Gi" {
		t.Errorf("prod orders-api memory limit %q", got)
	}
	ci := renderEnv(t, "ci")
	if got := get(find(ci.objects["orders-api"], "Deployment", "orders-api"), "spec", "replicas"); got != 2 {
		t.Errorf("ci orders-api replicas %v, want 2", got)
	}
	if find(ci.objects["orders-api"], "HorizontalPodAutoscaler", "orders-api") != nil {
		t.Error("ci orders-api has an HPA")
	}
}

// TestImagesPinned: images from `mono image build` records win over the
// tag; a digest pins them.
func TestImagesPinned(t *testing.T) {
	t.Parallel()
	digest := "sha256:" + strings.Repeat("ab", 32)
	plan, err := release.Build(repoRoot(t), "dev", release.Options{Components: []string{"pricing"}, Tag: testTag, Revision: testRevision,
		Images: map[string]release.Image{"pricing": {Repository: "registry.example/acme/pricing", Digest: digest}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Releases) != 1 {
		t.Fatalf("%d releases", len(plan.Releases))
	}
	objs := parse(t, must(release.Render(plan.Releases[0], "apps")))
	got := str(find(objs, "Deployment", "pricing"), "spec", "template", "spec", "containers", 0, "image")
	if got != "registry.example/acme/pricing@"+digest {
		t.Errorf("image %q", got)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestGolden compares the rendered manifests of orders-api in dev with
// testdata/orders-api-dev.yaml (go test -run TestGolden -update rewrites
// it). The configuration files are replaced by their names, so that a
// change of config/ does not change the golden file (TestConfigReachesThePod
// checks them).
func TestGolden(t *testing.T) {
	t.Parallel()
	plan, err := release.Build(repoRoot(t), "dev", release.Options{Components: []string{"orders-api"}, Tag: testTag, Revision: testRevision})
	if err != nil {
		t.Fatal(err)
	}
	r := plan.Releases[0]
	r.Values["config"].(map[string]any)["files"] = map[string]any{"base.yaml": "(config/base.yaml)\n", "dev.yaml": "(config/dev.yaml)\n"}
	files, err := release.Render(r, plan.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range files {
			if !yield(n) {
				return
			}
		}
	})
	var b bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&b, "# Source: %s\n%s\n", n, strings.TrimSpace(files[n]))
	}
	golden := filepath.Join("testdata", "orders-api-dev.yaml")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -run TestGolden -update writes it)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("orders-api in dev differs from %s (-want +got; -update rewrites it after review):\n%s", golden, diff)
	}
}

// workspace copies the files Build reads into a temporary folder, with
// edits (path -> func(old) new) applied.
func workspace(t *testing.T, edits map[string]func(string) string) string {
	t.Helper()
	root := repoRoot(t)
	cmd := exec.Command("git", "ls-files", "--cached", "--others", "--exclude-standard", "--",
		"mono.yaml", "go.mod", "package.json", "config", "deploy", "services", "scripts", "web/console", "dash", "libs", "dags", "build/component.yaml")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, rel := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		if edit, ok := edits[rel]; ok {
			data = []byte(edit(string(data)))
			delete(edits, rel)
		}
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for rel := range edits {
		t.Fatalf("no file %s to edit", rel)
	}
	return dir
}

func replace(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic(fmt.Sprintf("no %q in %q", old, s))
		}
		return strings.Replace(s, old, new, 1)
	}
}

// TestBuildErrors: bad input fails before anything is rendered, with a
// message naming the file and the key.
func TestBuildErrors(t *testing.T) {
	t.Parallel()
	const devFile = "deploy/envs/dev.yaml"
	tests := []struct {
		name       string
		env        string
		opts       release.Options
		edits      map[string]func(string) string
		is         error
		want       []string
		noEditRoot bool
	}{
		{name: "unknown env", env: "qa", is: config.ErrUnknownEnv, want: []string{`unknown environment "qa"`, "local, ci, dev, staging, prod"}, noEditRoot: true},
		{name: "env without deploy settings", env: "local", want: []string{"deploy/envs/local.yaml", "environment local has no deploy settings"}, noEditRoot: true},
		{name: "unknown component", env: "dev", opts: release.Options{Components: []string{"orders"}}, is: graph.ErrUnknown, want: []string{`unknown component "orders"`, `did you mean "orders-api"?`}, noEditRoot: true},
		{name: "not a program", env: "dev", opts: release.Options{Components: []string{"config"}}, is: graph.ErrUnknown, want: []string{`"config"`, "go-lib is not a program"}, noEditRoot: true},
		{name: "extra key in deploy/envs", env: "dev",
			edits: map[string]func(string) string{devFile: replace("  orders-api:\n", "  orders-api:\n    replica: 2\n")},
			want:  []string{devFile + ":", `unknown key "components.orders-api.replica"`, `did you mean "replicas"?`}},
		{name: "replicas three", env: "dev",
			edits: map[string]func(string) string{devFile: replace("  orders-api:\n", "  orders-api:\n    replicas: three\n")},
			want:  []string{devFile + ":", "components.orders-api.replicas", "three"}},
		{name: "replicas breaking the schema", env: "dev",
			edits: map[string]func(string) string{devFile: replace("  orders-api:\n", "  orders-api:\n    replicas: -1\n")},
			want:  []string{devFile + ": components.orders-api.replicas: minimum", "deployment.replicas of orders-api", "values.schema.json"}},
		{name: "bad memory quantity", env: "dev",
			edits: map[string]func(string) string{devFile: replace("limits: {memory: 256Mi}", "limits: {memory: lots}")},
			want:  []string{devFile + ": defaults.resources", "resources.limits.memory"}},
		{name: "public program without a host", env: "dev",
			edits: map[string]func(string) string{devFile: replace("    host: console.dev.acme.example\n", "")},
			want:  []string{devFile + ":", "components.console.host: required", "web/console/component.yaml"}},
		{name: "unknown program in deploy/envs", env: "dev",
			edits: map[string]func(string) string{devFile: replace("components:\n", "components:\n  billing:\n    replicas: 1\n")},
			want:  []string{devFile + ":", "components.billing: not a program deployed to dev"}},
		{name: "latest tag", env: "dev", opts: release.Options{Tag: "latest"},
			want: []string{"pricing: image tag latest", "never latest"}, noEditRoot: true},
		{name: "port and listen disagree", env: "dev",
			edits: map[string]func(string) string{"config/base.yaml": replace(`listen: ":8081"`, `listen: ":9999"`)},
			want:  []string{"services/pricing/component.yaml: deploy.settings.port: 8081", `pricing.http.listen is ":9999"`, "config/base.yaml:"}},
		{name: "listen on loopback", env: "dev",
			edits: map[string]func(string) string{"config/dev.yaml": replace("console:\n", "console:\n  http: {listen: \"127.0.0.1:8082\"}\n")},
			want:  []string{"console.http.listen", "127.0.0.1:8082", "config/dev.yaml:", "every address"}},
		{name: "missing port", env: "dev",
			edits: map[string]func(string) string{"services/pricing/component.yaml": replace("    port: 8081", "    portt: 8081")},
			want:  []string{"services/pricing/component.yaml", "deploy.settings.port: required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := repoRoot(t)
			if !tt.noEditRoot {
				root = workspace(t, tt.edits)
			}
			opts := tt.opts
			if opts.Tag == "" {
				opts.Tag = testTag
			}
			opts.Revision = testRevision
			plan, err := release.Build(root, tt.env, opts)
			if err == nil {
				t.Fatalf("no error; plan of %d releases", len(plan.Releases))
			}
			t.Log(err)
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestSchemaIsStrict: Helm refuses values that break values.schema.json
// (an unknown key at any level, latest, a missing pin) when rendering too.
func TestSchemaIsStrict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(v map[string]any)
		want string
	}{
		{"latest", func(v map[string]any) { v["image"].(map[string]any)["tag"] = "latest" }, "/image/tag"},
		{"no tag nor digest", func(v map[string]any) { v["image"].(map[string]any)["tag"] = "" }, "/image"},
		{"unknown top key", func(v map[string]any) { v["replicas"] = 2 }, "replicas"},
		{"unknown nested key", func(v map[string]any) { v["deployment"].(map[string]any)["replica"] = 2 }, "replica"},
		{"replicas as text", func(v map[string]any) { v["deployment"].(map[string]any)["replicas"] = "three" }, "/deployment/replicas"},
		{"unknown kind", func(v map[string]any) { v["kind"] = "go-lib" }, "/kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plan, err := release.Build(repoRoot(t), "dev", release.Options{Components: []string{"pricing"}, Tag: testTag, Revision: testRevision})
			if err != nil {
				t.Fatal(err)
			}
			r := plan.Releases[0]
			tt.edit(r.Values)
			_, err = release.Render(r, "apps")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("render: %v; want an error naming %s", err, tt.want)
			}
		})
	}
}

// TestSchemaClosedAtEveryLevel: every object of values.schema.json with
// named properties allows no other key and requires its keys.
func TestSchemaClosedAtEveryLevel(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), release.ChartDir, "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := yaml.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	var walk func(at string, n map[string]any)
	walk = func(at string, n map[string]any) {
		if props, ok := n["properties"].(map[string]any); ok && n["type"] == "object" {
			if n["additionalProperties"] != false {
				t.Errorf("%s: additionalProperties is not false", at)
			}
			req, _ := n["required"].([]any)
			if len(req) == 0 {
				t.Errorf("%s: requires no key", at)
			}
			for k, p := range props {
				if m, ok := p.(map[string]any); ok {
					walk(at+"."+k, m)
				}
			}
		}
		if items, ok := n["items"].(map[string]any); ok {
			walk(at+"[]", items)
		}
	}
	walk("(root)", schema)
}

// TestManifestsDecodeStrictly decodes every rendered object of a built-in
// kind into its Go type from k8s.io/api, refusing unknown fields: the offline
// half of the server's strict field validation (the custom resources are
// checked against their CRDs on the test control plane).
func TestManifestsDecodeStrictly(t *testing.T) {
	t.Parallel()
	types := map[string]func() any{
		"Deployment": func() any { return &appsv1.Deployment{} }, "Service": func() any { return &corev1.Service{} },
		"ServiceAccount": func() any { return &corev1.ServiceAccount{} }, "ConfigMap": func() any { return &corev1.ConfigMap{} },
		"HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
		"PodDisruptionBudget":     func() any { return &policyv1.PodDisruptionBudget{} },
		"NetworkPolicy":           func() any { return &networkingv1.NetworkPolicy{} }, "Ingress": func() any { return &networkingv1.Ingress{} },
		"Job": func() any { return &batchv1.Job{} }, "CronJob": func() any { return &batchv1.CronJob{} },
	}
	custom := []string{"ExternalSecret", "ServiceMonitor"}
	for _, env := range envs {
		r := renderEnv(t, env)
		for _, c := range programs {
			for _, o := range r.objects[c] {
				newObj, ok := types[o.kind()]
				if !ok {
					if !slices.Contains(custom, o.kind()) {
						t.Errorf("%s/%s: no check for kind %s", env, c, o.kind())
					}
					continue
				}
				data, err := sigsyaml.Marshal(map[string]any(o))
				if err != nil {
					t.Fatal(err)
				}
				if err := sigsyaml.UnmarshalStrict(data, newObj()); err != nil {
					t.Errorf("%s/%s: %s %s: %v", env, c, o.kind(), o.name(), err)
				}
			}
		}
	}
	// The CronJob template is off for every job; render it once to check it.
	plan, err := release.Build(repoRoot(t), "dev", release.Options{Components: []string{"exports-cleanup"}, Tag: testTag, Revision: testRevision})
	if err != nil {
		t.Fatal(err)
	}
	rel := plan.Releases[0]
	rel.Values["cronJob"].(map[string]any)["enabled"] = true
	objs := parse(t, must(release.Render(rel, "apps")))
	cj := find(objs, "CronJob", "exports-cleanup")
	if cj == nil {
		t.Fatal("no CronJob rendered with cronJob.enabled")
	}
	checkPod(t, "dev", "exports-cleanup", cj, podSpec(cj))
	data, _ := sigsyaml.Marshal(map[string]any(cj))
	if err := sigsyaml.UnmarshalStrict(data, &batchv1.CronJob{}); err != nil {
		t.Errorf("CronJob: %v", err)
	}
}
