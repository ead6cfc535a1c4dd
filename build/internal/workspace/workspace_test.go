package workspace_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/workspace"
)

func load(t *testing.T, monoYAML string) (*workspace.Workspace, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, workspace.FileName), []byte(monoYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	return workspace.Load(dir)
}

func TestRemoteCacheSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml string
		want       *workspace.RemoteCache
	}{
		{"unset", "project: t\n", nil},
		{"full", "cache:\n  remote: {type: s3, bucket: acme-mono-cache, prefix: ci, region: eu-west-1, endpoint: 'http://127.0.0.1:5000', write: true}\n",
			&workspace.RemoteCache{Type: "s3", Bucket: "acme-mono-cache", Prefix: "ci/", Region: "eu-west-1", Endpoint: "http://127.0.0.1:5000", Write: true}},
		{"prefix keeps its slash", "cache:\n  remote: {type: s3, bucket: b, prefix: a/b/}\n",
			&workspace.RemoteCache{Type: "s3", Bucket: "b", Prefix: "a/b/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws, err := load(t, tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, ws.Settings.Cache.Remote); diff != "" {
				t.Errorf("remote (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRemoteCacheSettingsErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"no type", "cache:\n  remote: {bucket: b}\n", `mono.yaml: cache.remote.type: "" is not a remote cache type (s3)`},
		{"other type", "cache:\n  remote: {type: gcs, bucket: b}\n", `mono.yaml: cache.remote.type: "gcs" is not a remote cache type (s3)`},
		{"no bucket", "cache:\n  remote: {type: s3}\n", "mono.yaml: cache.remote.bucket: required"},
		{"bucket URL", "cache:\n  remote: {type: s3, bucket: 's3://b/x'}\n", `mono.yaml: cache.remote.bucket: "s3://b/x" is a bucket name`},
		{"absolute prefix", "cache:\n  remote: {type: s3, bucket: b, prefix: /x}\n", `mono.yaml: cache.remote.prefix: "/x" must be a relative slash path`},
		{"dot-dot prefix", "cache:\n  remote: {type: s3, bucket: b, prefix: a/../b}\n", `mono.yaml: cache.remote.prefix: "a/../b"`},
		{"endpoint", "cache:\n  remote: {type: s3, bucket: b, endpoint: 'localhost:5000'}\n", `mono.yaml: cache.remote.endpoint: "localhost:5000" is not an http(s) URL`},
		{"write type", "cache:\n  remote: {type: s3, bucket: b, write: maybe}\n", "mono.yaml:2:"},
		{"unknown key", "cache:\n  remote: {type: s3, bucket: b, buckets: c}\n", `mono.yaml:2: unknown key "cache.remote.buckets" (did you mean "bucket"?)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, tc.yaml)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestGlobalInputs(t *testing.T) {
	t.Parallel()
	ws, err := load(t, "project: acme\n")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Makefile", "hack/**", ".ci/**", "mono.yaml"}, ws.Settings.GlobalInputs); diff != "" {
		t.Errorf("default global inputs (-want +got):\n%s", diff)
	}
	for glob, want := range map[string]bool{
		"Makefile": true, "hack/pyvenv.sh": true, "hack/*.sh": true, ".ci/run": true, "mono.yaml": true,
		"README.md": false, "docs/**": false, "hackers/x": false,
	} {
		if got := ws.Settings.GlobalInput(glob); got != want {
			t.Errorf("GlobalInput(%q) = %v, want %v", glob, got, want)
		}
	}
	ws, err = load(t, "globalInputs: [tools/**]\n")
	if err != nil {
		t.Fatal(err)
	}
	if ws.Settings.GlobalInput("Makefile") || !ws.Settings.GlobalInput("tools/x.sh") {
		t.Errorf("globalInputs in mono.yaml does not replace the defaults: %v", ws.Settings.GlobalInputs)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"bad glob", "globalInputs: [\"hack/[\"]\n", []string{"mono.yaml:1", `globalInputs: "hack/[" is not a glob`}},
		{"absolute glob", "globalInputs: [/etc/**]\n", []string{"mono.yaml:1", "relative to the root"}},
		{"task global input not declared", "tasks:\n  go-lib:\n    lint:\n      command: go vet ./...\n      globalInputs: [docs/**]\n",
			[]string{"mono.yaml:1", `go-lib: tasks.lint.globalInputs: "docs/**" is not a global input`}},
		{"bad env name", "project: p\ntasks:\n  go-lib:\n    test:\n      command: go test ./...\n      env: [GOFLAGS, \"DB-URL\"]\n",
			[]string{"mono.yaml:6", `tasks.go-lib.test.env: "DB-URL" is not a variable name or a prefix ending in *`}},
		{"glob inside an env name", "tasks:\n  go-lib:\n    test:\n      env: [\"A*B\"]\n",
			[]string{"mono.yaml:4", `tasks.go-lib.test.env: "A*B"`}},
		{"env name starting with a digit", "tasks:\n  go-lib:\n    test:\n      env: [\"1X\"]\n",
			[]string{"mono.yaml:4", `"1X" is not a variable name`}},
		{"no environments", "environments: []\n", []string{"environments must list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, tt.yaml)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestImageSettings(t *testing.T) {
	t.Parallel()
	ws, err := load(t, "project: shop\n")
	if err != nil {
		t.Fatal(err)
	}
	want := workspace.ImageSettings{Base: workspace.BuiltinBase, Platforms: []string{"linux/amd64", "linux/arm64"}, Dir: ".mono/images", Repository: "shop"}
	if diff := cmp.Diff(want, ws.Settings.Images); diff != "" {
		t.Errorf("default images settings (-want +got):\n%s", diff)
	}
	for _, tt := range []struct{ name, yaml, want string }{
		{"platform", "images: {platforms: [linux/amd64, windows/amd64]}\n", `images.platforms: "windows/amd64" is not linux/<arch>`},
		{"no platform", "images: {platforms: []}\n", "images.platforms: list at least one"},
		{"twice", "images: {platforms: [linux/arm64, linux/arm64]}\n", "listed twice"},
		{"dir", "images: {dir: /var/images}\n", "images.dir: \"/var/images\" must be a folder relative to the root"},
		{"repository", "images: {repository: Acme/}\n", "images.repository"},
		{"unknown key", "images: {bases: x}\n", "bases"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, tt.yaml)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("load: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
