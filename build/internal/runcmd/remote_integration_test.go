package runcmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/acme/platform/build/internal/runcmd"
	"github.com/acme/platform/libs/cloud/blob"
	"github.com/acme/platform/libs/testenv/moto"
)

// TestIntegrationRemoteCache runs mono run against an S3 remote cache on
// moto as CI (writes) and laptops (fresh clones that only read) do.
func TestIntegrationRemoteCache(t *testing.T) {
	srv := moto.Shared(t)
	// The AWS SDK takes credentials from the process environment.
	t.Setenv("AWS_ACCESS_KEY_ID", moto.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", moto.SecretAccessKey)
	ctx := context.Background()
	client := blob.NewS3Client(srv.AWSConfig())
	bucket := "mono-remote-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	objects := func() map[string]bool {
		out, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
		if err != nil {
			t.Fatal(err)
		}
		keys := map[string]bool{}
		for _, o := range out.Contents {
			keys[*o.Key] = true
		}
		return keys
	}

	build := `echo run >> "$MONO_ROOT/runs"; mkdir -p out; echo "built-$(cat src.txt)" > out/result.txt`
	// clone writes the same repository into a new folder: no .mono/cache.
	clone := func(srcB string) string {
		dir := workspace(t, map[string]string{"a": component("a", build), "b": component("b", build, "a")})
		write(t, dir, map[string]string{
			"mono.yaml": "project: t\nenvironments: [local]\ncache:\n  dir: .mono/cache\n  maxSizeMB: 64\n" +
				"  remote: {type: s3, bucket: " + bucket + ", prefix: ci, region: " + moto.Region + ", endpoint: '" + srv.Endpoint + "'}\n",
			"comps/b/src.txt": srcB,
		})
		return dir
	}
	ran := func(dir string) int {
		b, _ := os.ReadFile(filepath.Join(dir, "runs"))
		return strings.Count(string(b), "run\n")
	}
	ci := append(os.Environ(), runcmd.RemoteWriteEnv+"=1")
	laptop := append(os.Environ(), runcmd.RemoteWriteEnv+"=") // mono.yaml: write unset = read-only
	summary := func(r result) map[string]runcmd.TaskResult {
		t.Helper()
		if r.code != 0 {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		var s runcmd.Summary
		if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
			t.Fatalf("summary is no JSON: %v\n%s", err, r.stdout)
		}
		out := map[string]runcmd.TaskResult{}
		for _, task := range s.Tasks {
			out[task.Component] = task
		}
		return out
	}
	wantStatus := func(got map[string]runcmd.TaskResult, want map[string]string) {
		t.Helper()
		for c, w := range want {
			if g := got[c].Status + "/" + got[c].Cache; g != w {
				t.Errorf("%s: %s, want %s (warning %q)", c, g, w, got[c].Warning)
			}
		}
	}

	// CI builds and writes the remote.
	dir := clone("1\n")
	first := summary(runEnv(t, ctx, dir, ci, "build", "--json"))
	wantStatus(first, map[string]string{"a": "ok/miss", "b": "ok/miss"})
	keyA, keyB := "ci/"+first["a"].Key, "ci/"+first["b"].Key
	if got := objects(); !got[keyA] || !got[keyB] || len(got) != 2 {
		t.Fatalf("remote holds %v; want %s and %s", got, keyA, keyB)
	}

	t.Run("a fresh clone hits the remote entries", func(t *testing.T) {
		dir := clone("1\n")
		wantStatus(summary(runEnv(t, ctx, dir, laptop, "build", "--json")), map[string]string{"a": "cached/hit", "b": "cached/hit"})
		if n := ran(dir); n != 0 {
			t.Errorf("%d tasks ran; want none", n)
		}
		if b, err := os.ReadFile(filepath.Join(dir, "comps/b/out/result.txt")); err != nil || string(b) != "built-1\n" {
			t.Errorf("output not restored: %q, %v", b, err)
		}
		// The hits were copied into the local cache: offline, still hits.
		if _, err := os.Stat(filepath.Join(dir, ".mono/cache/entries", first["a"].Key[:2], first["a"].Key)); err != nil {
			t.Errorf("remote hit not in the local cache: %v", err)
		}
	})

	t.Run("read-only never writes", func(t *testing.T) {
		dir := clone("2\n") // b changes: its task misses and runs
		got := summary(runEnv(t, ctx, dir, laptop, "build", "--json"))
		wantStatus(got, map[string]string{"a": "cached/hit", "b": "ok/miss"})
		if objs := objects(); len(objs) != 2 || objs["ci/"+got["b"].Key] {
			t.Errorf("a read-only run wrote the remote: %v", objs)
		}
	})

	t.Run("a corrupt remote entry is reported and rebuilt", func(t *testing.T) {
		obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(keyA)})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := io.ReadAll(obj.Body)
		obj.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		// Truncate the object, as an upload cut short by hand would.
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(keyA), Body: bytes.NewReader(stored[:len(stored)/2])}); err != nil {
			t.Fatal(err)
		}

		dir := clone("1\n")
		r := runEnv(t, ctx, dir, ci, "build", "--json")
		got := summary(r)
		wantStatus(got, map[string]string{"a": "ok/miss", "b": "cached/hit"})
		w := got["a"].Warning
		t.Logf("warning: %s", w)
		for _, want := range []string{"s3://" + bucket + "/ci/", first["a"].Key, "corrupt"} {
			if !strings.Contains(w, want) {
				t.Errorf("warning %q does not name %q", w, want)
			}
		}
		if n := strings.Count(r.stderr, "warning: remote cache"); n != 1 {
			t.Errorf("%d warning lines on stderr; want 1:\n%s", n, r.stderr)
		}
		// CI wrote the rebuilt entry back: the next fresh clone hits it.
		wantStatus(summary(runEnv(t, ctx, clone("1\n"), laptop, "build", "--json")), map[string]string{"a": "cached/hit", "b": "cached/hit"})
	})
}

// TestIntegrationRemoteCacheUnreachable: a remote nobody answers at is one
// warning; the run goes on with the local cache, in bounded time.
func TestIntegrationRemoteCacheUnreachable(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test skipped under -short")
	}
	t.Setenv("AWS_ACCESS_KEY_ID", moto.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", moto.SecretAccessKey)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	dir := workspace(t, map[string]string{"a": component("a", "true"), "b": component("b", "true"), "c": component("c", "true")})
	write(t, dir, map[string]string{"mono.yaml": "project: t\nenvironments: [local]\ncache:\n  remote: {type: s3, bucket: cache, region: us-east-1, endpoint: '" + endpoint + "', write: true}\n"})
	dry := run(t, context.Background(), dir, "build", "--dry-run")
	if dry.code != 0 || strings.Count(dry.stderr, "unreachable") != 1 {
		t.Errorf("dry run: exit %d, want 0 and one warning:\n%s%s", dry.code, dry.stdout, dry.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, ".mono")); err == nil {
		t.Error("the dry run created .mono")
	}
	start := time.Now()
	r := run(t, context.Background(), dir, "build")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if d := time.Since(start); d > 2*time.Minute {
		t.Errorf("the run took %s", d)
	}
	out := r.stdout + r.stderr
	if n := strings.Count(out, "unreachable"); n != 1 {
		t.Errorf("%d unreachable warnings; want 1:\n%s", n, out)
	}
	if r := run(t, context.Background(), dir, "build"); !strings.Contains(r.stdout, "3 cached") {
		t.Errorf("second run not from the local cache:\n%s%s", r.stdout, r.stderr)
	}
}
