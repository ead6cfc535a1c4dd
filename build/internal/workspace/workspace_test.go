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
