package tfcheck

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEnsureTools checks that a missing pinned tool is announced once, with
// what, where and how long, before it is built, then reported done; and
// that a tool already in the tools folder is neither built nor announced.
func TestEnsureTools(t *testing.T) {
	t.Parallel()
	pins := "# infra\ntflint github.com/terraform-linters/tflint@v0.64.0\nterraform-docs ./hack/tools.d/terraform-docs\n"
	tests := []struct {
		name      string
		present   []string // already in .mono/tools/bin
		wantBuilt []string
		wantLog   []string // prefixes of the log lines, in order
	}{
		{"cold", nil, []string{"tflint", "terraform-docs"}, []string{
			"mono: building tflint (github.com/terraform-linters/tflint@v0.64.0) and terraform-docs (./hack/tools.d/terraform-docs) into .mono/tools/bin with go install (first run only, about 2 minutes)...",
			"mono: built tflint in ",
			"mono: built terraform-docs in ",
		}},
		{"one missing", []string{"tflint"}, []string{"terraform-docs"}, []string{
			"mono: building terraform-docs (./hack/tools.d/terraform-docs) into .mono/tools/bin with go install (first run only, about 1 minute)...",
			"mono: built terraform-docs in 0s (1/1)",
		}},
		{"warm", []string{"tflint", "terraform-docs"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			writeFile(t, filepath.Join(root, ToolsList, "infra.txt"), pins, 0o644)
			for _, name := range tt.present {
				writeFile(t, filepath.Join(root, ToolsBin, name), "#!/bin/sh\n", 0o755)
			}
			var log, built []string
			build := func(_ context.Context, r, name string) error {
				// The announcement comes before the first build.
				if len(log) == 0 {
					t.Errorf("building %s before saying so", name)
				}
				built = append(built, name)
				writeFile(t, filepath.Join(r, ToolsBin, name), "#!/bin/sh\n", 0o755)
				return nil
			}
			got, err := EnsureTools(context.Background(), root, "", []string{"tflint", "terraform-docs"}, build, func(s string) { log = append(log, s) })
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantBuilt, built); diff != "" {
				t.Errorf("built (-want +got):\n%s", diff)
			}
			if len(log) != len(tt.wantLog) {
				t.Fatalf("log %q, want %d lines", log, len(tt.wantLog))
			}
			for i, want := range tt.wantLog {
				if !strings.HasPrefix(log[i], want) {
					t.Errorf("log line %d = %q, want it to start with %q", i, log[i], want)
				}
			}
			for _, name := range []string{"tflint", "terraform-docs"} {
				if got[name] != filepath.Join(root, ToolsBin, name) {
					t.Errorf("path of %s = %q", name, got[name])
				}
			}
		})
	}

	t.Run("build fails", func(t *testing.T) {
		t.Parallel()
		root := t.TempDir()
		writeFile(t, filepath.Join(root, ToolsList, "infra.txt"), pins, 0o644)
		fail := func(context.Context, string, string) error { return errors.New("proxy unreachable") }
		_, err := EnsureTools(context.Background(), root, "", []string{"tflint"}, fail, func(string) {})
		var me *MissingToolError
		if !errors.As(err, &me) || me.Tool != "tflint" || !strings.Contains(err.Error(), "proxy unreachable") {
			t.Errorf("err = %v, want a MissingToolError for tflint naming the cause", err)
		}
	})

	t.Run("not pinned", func(t *testing.T) {
		t.Parallel()
		root := t.TempDir()
		build := func(context.Context, string, string) error { t.Error("built an unpinned tool"); return nil }
		var log []string
		_, err := EnsureTools(context.Background(), root, "", []string{"terraform"}, build, func(s string) { log = append(log, s) })
		var me *MissingToolError
		if !errors.As(err, &me) || len(log) != 0 {
			t.Errorf("err = %v, log %q: want a MissingToolError and no announcement", err, log)
		}
	})
}

func writeFile(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
}
