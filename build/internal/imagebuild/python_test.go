package imagebuild

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/acme/platform/build/internal/workspace"
)

func TestPythonVersion(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		env  []string
		want string
		err  string
	}{
		{"official image", []string{"PATH=/usr/local/bin", "PYTHON_VERSION=3.11.14"}, "3.11", ""},
		{"no version", []string{"PATH=/usr/bin"}, "", "names no PYTHON_VERSION"},
		{"major only", []string{"PYTHON_VERSION=3"}, "", "names no PYTHON_VERSION"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := PythonVersion(&v1.ConfigFile{Config: v1.Config{Env: tt.env}}, "python@sha256:x")
			if got != tt.want || (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
				t.Errorf("PythonVersion = %q, %v; want %q, %q", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestPinned(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "requirements.txt")
	body := "# pins\nDash==4.4.1\ntyping_extensions==4.16.0  # a comment\nzope.interface==7.0 ; python_version >= '3'\nflask>=3\n\n"
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := pinned(f)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"dash": "4.4.1", "typing-extensions": "4.16.0", "zope-interface": "7.0"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("pinned (-want +got):\n%s", d)
	}
}

func TestPythonConfig(t *testing.T) {
	t.Parallel()
	cf := &v1.ConfigFile{Config: v1.Config{
		User: "root", Cmd: []string{"python3"},
		Env: []string{"PATH=/usr/local/bin:/usr/bin", "PYTHON_VERSION=3.11.14", "PYTHONPATH=/elsewhere"},
	}}
	pythonConfig(cf)
	want := v1.Config{
		User: "65532:65532", Entrypoint: []string{"python3", "/app/app.py"}, WorkingDir: "/app",
		Env: []string{"PATH=/usr/local/bin:/usr/bin", "PYTHON_VERSION=3.11.14", "PYTHONPATH=/app:/opt/site-packages", "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "HOME=/tmp"},
	}
	if d := cmp.Diff(want, cf.Config); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
}

func TestPythonSBOM(t *testing.T) {
	t.Parallel()
	b, err := PythonSBOM("sales-dash", []PyPackage{{"dash", "4.4.1"}, {"typing_extensions", "4.16.0"}}, "3.11", "https://spdx.org/spdxdocs/x", time.Unix(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	var doc SPDX
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range doc.Packages {
		ref := ""
		if len(p.ExternalRefs) > 0 {
			ref = p.ExternalRefs[0].Locator
		}
		got = append(got, p.SPDXID+" "+p.Name+" "+p.VersionInfo+" "+ref)
	}
	want := []string{
		"SPDXRef-Package-main sales-dash  ",
		"SPDXRef-Package-1 dash 4.4.1 pkg:pypi/dash@4.4.1",
		"SPDXRef-Package-2 typing_extensions 4.16.0 pkg:pypi/typing-extensions@4.16.0",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("packages (-want +got):\n%s", d)
	}
	if len(doc.Relationships) != 3 || doc.Relationships[2].Related != "SPDXRef-Package-2" || doc.CreationInfo.Created != "1970-01-01T00:00:01Z" {
		t.Errorf("document = %+v", doc)
	}
}

func TestBaseOf(t *testing.T) {
	t.Parallel()
	s := workspace.ImageSettings{Base: "mono:static", AirflowBase: "airflow@sha256:a"}
	for _, tt := range []struct {
		p        Program
		key, ref string
	}{
		{Program{Component: "pricing"}, "base", "mono:static"},
		{Program{Component: "dags", Airflow: true}, "airflowBase", "airflow@sha256:a"},
		{Program{Component: "sales-dash", Python: true}, "pythonBase", ""},
	} {
		t.Run(tt.p.Component, func(t *testing.T) {
			t.Parallel()
			if key, ref := BaseOf(s, tt.p); key != tt.key || ref != tt.ref {
				t.Errorf("BaseOf(%s) = %s, %q; want %s, %q", tt.p.Component, key, ref, tt.key, tt.ref)
			}
		})
	}
	if err := MissingBase("pythonBase"); !strings.Contains(err.Error(), "images.pythonBase is not set: name the official Python image pinned by digest") {
		t.Errorf("MissingBase = %v", err)
	}
}
