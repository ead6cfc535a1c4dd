package app_test

import (
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/acme/platform/build/internal/fixture"
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
		{"programs listed", []string{"@shop/ui"}, "(programs: [api dags job sales])"},
		{"registry is a URL", []string{"job", "--push", "https://registry.example.com"}, "want a registry as host[:port][/path]"},
		{"bad registry host", []string{"job", "--push", "Bad_Host:x"}, "is not a registry host"},
		{"push= without images.registry", []string{"job", "--push="}, "images.registry, which is not set"},
		{"airflow without base", []string{"dags"}, "images.airflowBase is not set"},
		{"dash app without base", []string{"sales"}, "sales: mono.yaml images.pythonBase is not set: name the official Python image pinned by digest"},
		{"affected without base", []string{"--affected"}, "--affected needs --base"},
		{"base without affected", []string{"--base", "main"}, "--base and --head go with --affected"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, errOut := run(t, dir, append([]string{"image", "build"}, tt.args...)...)
			want := 2
			if strings.Contains(tt.want, "Base is not set") {
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
	srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
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
	for _, want := range []string{"job linux/amd64: binaries", "job linux/arm64: binaries", "job: pushed " + host + "/acme/job:" + head} {
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
