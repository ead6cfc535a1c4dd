package deploycmd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/imagebuild"
	"github.com/acme/platform/build/internal/workspace"
)

// TestRecordedDigests: only a clean build of the deployed tag pins a digest.
func TestRecordedDigests(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	s := workspace.ImageSettings{Dir: ".mono/images"}
	if err := os.MkdirAll(filepath.Join(root, ".mono", "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, img := range []imagebuild.Image{
		{Component: "pricing", Tag: "abc", Digest: "sha256:1111"},
		{Component: "orders-api", Tag: "old", Digest: "sha256:2222"},           // another revision
		{Component: "console", Tag: "abc", Digest: "sha256:3333", Dirty: true}, // never pushed
		{Component: "sales-rollup", Tag: "abc"},                                // no digest
	} {
		if err := imagebuild.WriteRecord(root, s, img); err != nil {
			t.Fatal(err)
		}
	}
	got := recordedDigests(root, s, "abc")
	if diff := cmp.Diff(map[string]string{"pricing": "sha256:1111"}, got); diff != "" {
		t.Errorf("digests (-want +got):\n%s", diff)
	}
	if got := recordedDigests(t.TempDir(), s, "abc"); len(got) != 0 {
		t.Errorf("no records: got %v", got)
	}
}
