package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/platform/libs/testenv"
)

// bufBin finds buf from hack/tools.sh.
func bufBin(t *testing.T) (string, string) {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, ".mono", "tools", "bin")
	if _, err := os.Stat(filepath.Join(bin, "buf")); err != nil {
		t.Fatalf("buf is not installed: run hack/tools.sh (make test does)")
	}
	return bin, root
}

func run(t *testing.T, dir, bin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, "buf"), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "BUF_CACHE_DIR="+t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// TestIntegrationProtoLintAndGenerated lints the schema and checks that the
// committed generated code is what buf generates now.
func TestIntegrationProtoLintAndGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs buf")
	}
	bin, root := bufBin(t)
	api := filepath.Join(root, "services", "pricing", "api")
	if out, err := run(t, api, bin, "lint"); err != nil {
		t.Fatalf("buf lint:\n%s", out)
	}
	tmp := t.TempDir()
	if out, err := run(t, api, bin, "generate", "--output", tmp); err != nil {
		t.Fatalf("buf generate:\n%s", out)
	}
	// buf.gen.yaml writes to ../gen relative to the output folder.
	for _, f := range []string{"acme/pricing/v1/pricing.pb.go", "acme/pricing/v1/pricingv1connect/pricing.connect.go"} {
		fresh, err := os.ReadFile(filepath.Join(tmp, "..", "gen", f))
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(filepath.Join(root, "services", "pricing", "gen", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fresh, committed) {
			t.Errorf("services/pricing/gen/%s is stale: run (cd services/pricing/api && buf generate) and commit", f)
		}
	}
}

// TestIntegrationProtoBreaking checks the schema against main's, and that
// the breaking-change check does catch a removed field.
func TestIntegrationProtoBreaking(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs buf")
	}
	bin, root := bufBin(t)
	api := filepath.Join(root, "services", "pricing", "api")
	if exec.Command("git", "-C", root, "cat-file", "-e", "main:services/pricing/api/buf.yaml").Run() == nil {
		if out, err := run(t, root, bin, "breaking", "services/pricing/api", "--against", ".git#branch=main,subdir=services/pricing/api"); err != nil {
			t.Errorf("breaking change against main:\n%s", out)
		}
	}

	// A copy with a field removed must be reported as breaking.
	changed := t.TempDir()
	if err := os.CopyFS(changed, os.DirFS(api)); err != nil {
		t.Fatal(err)
	}
	proto := filepath.Join(changed, "acme", "pricing", "v1", "pricing.proto")
	src, _ := os.ReadFile(proto)
	edited := strings.Replace(string(src), "  int64 tax_bp = 4;\n", "", 1)
	if edited == string(src) {
		t.Fatal("test setup: tax_bp field not found")
	}
	if err := os.WriteFile(proto, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, changed, bin, "breaking", "--against", api)
	if err == nil || !strings.Contains(out, "tax_bp") {
		t.Errorf("removing a field was not reported as breaking:\n%s", out)
	}
}
