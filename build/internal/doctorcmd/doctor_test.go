package doctorcmd_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/doctorcmd"
)

// versions are what the fake programs print; each check's tool has one.
var versions = map[string]string{
	"go":               "go version go1.26.8 linux/amd64",
	"git":              "git version 2.47.3",
	"python3":          "Python 3.13.5",
	"node":             "v20.19.4",
	"npm":              "10.8.2",
	"terraform":        "Terraform v1.11.4\non linux_amd64",
	"tflint":           "TFLint version 0.64.0",
	"terraform-docs":   "terraform-docs version v0.20.0",
	"checkov":          "3.2.469",
	"buf":              "1.75.0",
	"staticcheck":      "staticcheck 2026.1 (0.8.2)",
	"kube-apiserver":   "Kubernetes v1.37.2",
	"postgres":         "postgres (PostgreSQL) 15.14",
	"chromium":         "Chromium 140.0.7339.185 built on Debian",
	"ansible-playbook": "ansible-playbook [core 2.19.4]",
}

// fakeTools writes a program per tool into a PATH folder and a workspace
// root (mono.yaml), leaving out the tools named in skip; it returns the
// deps of a doctor run there, with PATH holding only the fakes.
func fakeTools(t *testing.T, skip ...string) (cli.Deps, *bytes.Buffer) {
	t.Helper()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "mono.yaml"), []byte("project: t\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, v := range versions {
		if slices.Contains(skip, name) {
			continue
		}
		script := "#!/bin/sh\nprintf '%s\\n' '" + v + "'\n"
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	return cli.Deps{
		IO:      cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out},
		Dir:     root,
		Environ: []string{"PATH=" + bin},
	}, &out
}

func TestDoctor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		skip     []string
		wantCode int
		want     []string // lines or fragments of the output
		wantErr  string
	}{
		{
			name: "all present",
			want: []string{"Required (core commands):", "ok go 1.26.8 for every command", "ok tflint 0.64.0 for mono infra check", "ok python3-venv - for"},
		},
		{
			name: "optional missing",
			skip: []string{"tflint"},
			want: []string{"missing tflint - for mono infra check", "not found in .mono/tools/bin or on PATH; install: hack/tools.sh", "1 optional tool(s) missing"},
		},
		{
			name:     "required missing",
			skip:     []string{"git"},
			wantCode: cli.ExitMissing,
			want:     []string{"MISSING git - for mono affected", "not found on PATH; install: apt-get install git"},
			wantErr:  "required tool missing: git (not found on PATH; install: apt-get install git)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			deps, out := fakeTools(t, tt.skip...)
			cmd := newCommand(deps)
			cmd.SetArgs(nil)
			err := cmd.Execute()
			if got := cli.CodeOf(err); got != tt.wantCode {
				t.Fatalf("exit code %d (%v), want %d\n%s", got, err, tt.wantCode, out)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error %v, want it to contain %q", err, tt.wantErr)
			}
			text := spaces(out.String())
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out.String(), "\x1b[") {
				t.Errorf("colour without a terminal:\n%q", out)
			}
		})
	}
}

func TestDoctorVersionsAndJSON(t *testing.T) {
	t.Parallel()
	deps, out := fakeTools(t, "chromium")
	// An old python3 is a problem of an optional tool; go too old fails.
	bin := filepath.Join(deps.Dir, "bin")
	for name, v := range map[string]string{"go": "go version go1.22.1 linux/amd64", "terraform": "no digits here"} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\necho '"+v+"'\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A python3 without ensurepip (Debian without python3-venv).
	noVenv := "#!/bin/sh\nif [ \"$1\" = -c ]; then echo 'Traceback (most recent call last):' >&2; echo \"ModuleNotFoundError: No module named 'ensurepip'\" >&2; exit 1; fi\necho 'Python 3.9.2'\n"
	if err := os.WriteFile(filepath.Join(bin, "python3"), []byte(noVenv), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := newCommand(deps)
	cmd.SetArgs([]string{"--json"})
	err := cmd.Execute()
	if cli.CodeOf(err) != cli.ExitMissing {
		t.Fatalf("err = %v, want exit code 5 for go 1.22", err)
	}
	var res []doctorcmd.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	got := map[string]doctorcmd.Result{}
	for _, r := range res {
		got[r.Name] = r
	}
	for name, want := range map[string]string{
		"go":           "version 1.22.1 is older than 1.26",
		"python3":      "version 3.9.2 is older than 3.11",
		"terraform":    "cannot read its version from: no digits here",
		"chromium":     "not found on PATH",
		"python3-venv": "does not run (exit status 1): ModuleNotFoundError: No module named 'ensurepip'",
	} {
		r := got[name]
		if r.OK || r.Problem != want || r.Install == "" {
			t.Errorf("%s: %+v, want problem %q with an install command", name, r, want)
		}
	}
	if r := got["node"]; !r.OK || r.Version != "20.19.4" || r.Optional != true || r.Path != filepath.Join(bin, "node") {
		t.Errorf("node: %+v", r)
	}
}

func TestDoctorToolsBinFirst(t *testing.T) {
	t.Parallel()
	deps, out := fakeTools(t)
	// hack/tools.sh's folder wins over PATH, as mono infra check looks.
	tools := filepath.Join(deps.Dir, ".mono", "tools", "bin")
	if err := os.MkdirAll(tools, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tools, "tflint"), []byte("#!/bin/sh\necho 'TFLint version 0.65.1'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := newCommand(deps)
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(spaces(out.String()), "tflint 0.65.1") {
		t.Errorf("tflint of .mono/tools/bin not used:\n%s", out)
	}
}

// spaces turns every run of blanks into one space (tabwriter's padding).
func spaces(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		b.WriteString(strings.Join(strings.Fields(line), " "))
		b.WriteString("\n")
	}
	return b.String()
}

// newCommand is the doctor command as the root command runs it: errors
// returned, not printed with the usage.
func newCommand(deps cli.Deps) *cobra.Command {
	cmd := doctorcmd.NewCommand(deps)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd
}

func TestDoctorColour(t *testing.T) {
	t.Parallel()
	deps, out := fakeTools(t, "tflint", "git")
	deps.Terminal = func(io.Writer) bool { return true }
	err := newCommand(deps).Execute()
	if cli.CodeOf(err) != cli.ExitMissing {
		t.Fatalf("err = %v, want exit code 5", err)
	}
	for _, want := range []string{"\x1b[32mok\x1b[0m", "\x1b[33mmissing\x1b[0m", "\x1b[31mMISSING\x1b[0m"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%q", want, out)
		}
	}
	// The colour does not shift the columns.
	plain := cli.Plain(out.String())
	if !strings.Contains(plain, "  ok       terraform-docs    0.20.0") || !strings.Contains(plain, "  missing  tflint            -") {
		t.Errorf("columns do not line up:\n%s", plain)
	}
}
