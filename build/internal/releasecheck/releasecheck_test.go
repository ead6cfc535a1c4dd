package releasecheck_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/platform/build/internal/fixture"
	"github.com/acme/platform/build/internal/releasecheck"
	"github.com/acme/platform/libs/testenv"
)

func root(t *testing.T) string {
	t.Helper()
	r, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAirflowRelease: the committed Airflow values parse and name only
// parameters and secrets the environments' Terraform defines.
func TestAirflowRelease(t *testing.T) {
	t.Parallel()
	fs, err := releasecheck.Check(root(t), "deploy/releases/airflow")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		t.Error(f)
	}
}

// TestPlanted: a copy of the release with one mistake of each kind.
func TestPlanted(t *testing.T) {
	t.Parallel()
	r := root(t)
	src := filepath.Join(r, "deploy", "releases", "airflow")
	dir := t.TempDir()
	files := map[string]string{}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	replace := func(name, old, new string) {
		t.Helper()
		if !strings.Contains(files[name], old) {
			t.Fatalf("%s does not contain %q", name, old)
		}
		files[name] = strings.Replace(files[name], old, new, 1)
	}
	replace("values-dev.yaml", "s3/airflow-logs/bucket", "s3/airflow-log/bucket")
	replace("values-staging.yaml", "${ssm:///acme/staging/region}", "${ssm:///acme/prod/region}")
	replace("values-prod.yaml", "${image:jobs}", "${vault:jobs}")
	replace("values.yaml", "fernetKeySecretName: airflow-fernet-key", "fernetKeySecretName: airflow-fernet\nfernetKey: c2VjcmV0")
	replace("component.yaml", "secret: airflow\n        keys: {jwt-secret", "secret: airflow-jwt\n        keys: {jwt-secret")
	files["values-prod.yaml"] += "scheduler: [unclosed\n"
	fixture.Write(t, dir, files)

	fs, err := releasecheck.Check(r, dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"parameter /acme/dev/s3/airflow-log/bucket is not published by the discovery module of infrastructure/live with dev.tfvars (did you mean /acme/dev/s3/airflow-logs/bucket?)",
		"${ssm:///acme/prod/region} names another environment than staging",
		"values-prod.yaml: malformed YAML",
		`fernetKeySecretName: Secret "airflow-fernet" is not made by the release`,
		"fernetKey holds a literal secret",
		"external secret airflow-jwt-secret reads acme/dev/airflow-jwt, which infrastructure/live does not define",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing finding %q in:\n%s", want, all)
		}
	}
}

func TestUnknownPlaceholder(t *testing.T) {
	t.Parallel()
	r := root(t)
	dir := t.TempDir()
	fixture.Write(t, dir, map[string]string{
		"component.yaml":  "kind: helm-release\ndeploy:\n  envs: [dev]\n  settings:\n    chart: x\n    version: 1.0.0\n    values: [\"values-{env}.yaml\"]\n",
		"values-dev.yaml": "image: \"${vault:jobs}\"\n",
	})
	fs, err := releasecheck.Check(r, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || !strings.Contains(fs[0].String(), "values-dev.yaml:1: unknown placeholder ${vault:jobs}") {
		t.Errorf("findings = %v", fs)
	}
}
