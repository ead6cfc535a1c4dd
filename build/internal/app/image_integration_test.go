package app_test

import (
	"archive/tar"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/acme/platform/build/internal/fixture"
	"github.com/acme/platform/build/internal/imagebuild"
	"github.com/acme/platform/build/internal/imagecmd"
)

// TestIntegrationImageBuildErrors: bad input fails before anything is
// built or pushed, with the exit code of a usage error (a missing setting:
// of a configuration error).
func TestIntegrationImageBuildErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("shells out to git")
	}
	t.Parallel()
	dir := fixture.Repo(t, fixture.Polyglot())
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown component", []string{"jbo"}, `unknown component "jbo" (did you mean "job"?)`},
		{"not a program", []string{"a"}, `component "a" (go-lib, libs/a): not a program`},
		{"programs listed", []string{"ui"}, "(programs: [api dags job])"},
		{"registry is a URL", []string{"job", "--push", "https://registry.example.com"}, "want a registry as host[:port][/path]"},
		{"bad registry host", []string{"job", "--push", "Bad_Host:x"}, "is not a registry host"},
		{"push= without images.registry", []string{"job", "--push="}, "images.registry, which is not set"},
		{"airflow without base", []string{"dags"}, "images.airflowBase is not set"},
		{"affected without base", []string{"--affected"}, "--affected needs --base"},
		{"base without affected", []string{"--base", "main"}, "--base and --head go with --affected"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, errOut := run(t, dir, append([]string{"image", "build"}, tt.args...)...)
			want := 2
			if strings.Contains(tt.want, "airflowBase") {
				want = 3 // a missing setting of mono.yaml
			}
			if code != want || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, errOut, want, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, ".mono", "images")); !os.IsNotExist(err) {
		t.Errorf("a failed build left .mono/images: %v", err)
	}
}

// TestIntegrationImageBuildJSON builds the fixture's job through the
// command, writes its layout and record, and pushes it.
func TestIntegrationImageBuildJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles a program")
	}
	t.Parallel()
	dir := fixture.Repo(t, fixture.Polyglot())
	srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true)))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	code, out, errOut := runEnv(t, dir, os.Environ(), "image", "build", "job", "--push", host, "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var rep imagecmd.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Images) != 1 {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	img := rep.Images[0]
	head := fixture.Git(t, dir, "rev-parse", "HEAD")
	if img.Component != "job" || img.Repository != "acme/job" || img.Revision != head || img.Tag != head || len(img.Platforms) != 2 ||
		img.Reference != host+"/acme/job@"+img.Digest || img.SBOM.ArtifactType != "application/spdx+json" {
		t.Errorf("image = %+v", img)
	}
	for _, want := range []string{"job linux/amd64: binary", "job linux/arm64: binary", "job: pushed " + host + "/acme/job:" + head} {
		if !strings.Contains(errOut, want) {
			t.Errorf("progress has no %q:\n%s", want, errOut)
		}
	}
	var rec imagecmd.Report
	b, err := os.ReadFile(filepath.Join(dir, ".mono", "images", "job.json"))
	if err != nil || json.Unmarshal([]byte(`{"images":[`+string(b)+`]}`), &rec) != nil || rec.Images[0].Reference != img.Reference {
		t.Errorf("record .mono/images/job.json: %v\n%s", err, b)
	}
	if _, err := os.Stat(filepath.Join(dir, ".mono", "images", "job", "index.json")); err != nil {
		t.Errorf("no OCI layout: %v", err)
	}
}

// TestIntegrationImageAirflow builds the Airflow image of the fixture (its
// DAG files and the job they run) on an Airflow-like base pinned by digest
// in mono.yaml and served by an in-process registry: the official image
// cannot be pulled here.
func TestIntegrationImageAirflow(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles a program")
	}
	t.Parallel()
	srv := httptest.NewServer(registry.New())
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	baseRef := pushAirflowBase(t, host)
	files := fixture.Polyglot()
	files["mono.yaml"] += "images:\n  airflowBase: " + baseRef + "\n"
	files["dags/tests/test_daily.py"] = "# a test, not shipped\n"
	dir := fixture.Repo(t, files)
	code, out, errOut := run(t, dir, "image", "build", "dags", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var rep imagecmd.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Images) != 1 {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	img := rep.Images[0]
	if img.Component != "dags" || img.Base != baseRef || len(img.Platforms) != 2 {
		t.Errorf("image = %+v", img)
	}
	lp, err := layout.FromPath(filepath.Join(dir, img.Layout))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := v1.NewHash(img.Platforms[0].Digest)
	pi, err := lp.Image(d)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := pi.ConfigFile()
	if cf.Config.User != "50000" || !slices.Equal(cf.Config.Entrypoint, []string{"/entrypoint"}) || cf.Config.Labels["org.opencontainers.image.revision"] == "" {
		t.Errorf("config: user %q, entrypoint %v, labels %v: want the base's user and entrypoint, our labels", cf.Config.User, cf.Config.Entrypoint, cf.Config.Labels)
	}
	var names []string
	tr := tar.NewReader(mutate.Extract(pi))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		names = append(names, h.Name)
	}
	for _, want := range []string{"opt/airflow/dags/daily.py", "opt/airflow/dags/pyproject.toml", "usr/local/bin/job", "airflow-base"} {
		if !slices.Contains(names, want) {
			t.Errorf("the Airflow image has no %s: %v", want, names)
		}
	}
	for _, unwanted := range []string{"opt/airflow/dags/tests/test_daily.py", "opt/airflow/dags/component.yaml"} {
		if slices.Contains(names, unwanted) {
			t.Errorf("the Airflow image has %s", unwanted)
		}
	}
}

// pushAirflowBase pushes a two-platform stand-in for the official Airflow
// image (user 50000, its own entrypoint, a marker file) and returns its
// reference by digest.
func pushAirflowBase(t *testing.T, host string) string {
	t.Helper()
	layer, err := imagebuild.Layer([]imagebuild.File{{Path: "airflow-base", Mode: 0o644, Body: []byte("x")}}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{Layer: layer})
		if err != nil {
			t.Fatal(err)
		}
		cf, _ := img.ConfigFile()
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture = "linux", arch
		cf.Config.User, cf.Config.Entrypoint = "50000", []string{"/entrypoint"}
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	tag, _ := name.NewTag(host + "/apache/airflow:3")
	if err := remote.WriteIndex(tag, idx); err != nil {
		t.Fatal(err)
	}
	d, _ := idx.Digest()
	return tag.String() + "@" + d.String()
}
