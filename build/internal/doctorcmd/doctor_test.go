package doctorcmd_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/doctorcmd"
)

func TestRun(t *testing.T) {
	t.Parallel()
	outputs := map[string]string{
		"go":      "go version go1.26.8 linux/amd64",
		"python3": "Python 3.9.2",
		"kubectl": "",
		"weird":   "no digits here",
	}
	runner := func(_ context.Context, name string, _ ...string) (string, error) {
		out, ok := outputs[name]
		if !ok || name == "kubectl" {
			return "", errors.New("not found on PATH")
		}
		return out, nil
	}
	checks := []doctorcmd.Check{
		{Name: "go", Command: []string{"go", "version"}, Min: []int{1, 26}, Install: "get go"},
		{Name: "python3", Command: []string{"python3", "--version"}, Min: []int{3, 11}, Install: "apt-get install python3.11"},
		{Name: "kubectl", Command: []string{"kubectl"}, Optional: true, Install: "get kubectl"},
		{Name: "weird", Command: []string{"weird"}, Install: "x"},
	}
	res := doctorcmd.Run(context.Background(), checks, runner)
	want := []struct {
		ok      bool
		version string
		problem string
	}{
		{true, "1.26.8", ""},
		{false, "3.9.2", "older than 3.11"},
		{false, "", "not found on PATH"},
		{false, "", "cannot read its version"},
	}
	for i, w := range want {
		r := res[i]
		if r.OK != w.ok || r.Version != w.version || !strings.Contains(r.Problem, w.problem) {
			t.Errorf("%s: %+v, want %+v", r.Name, r, w)
		}
		if !r.OK && r.Install == "" {
			t.Errorf("%s: no install hint", r.Name)
		}
	}

	var out bytes.Buffer
	err := doctorcmd.Print(&out, res, false)
	if cli.CodeOf(err) != cli.ExitMissing || !strings.Contains(err.Error(), "2 required tool(s)") {
		t.Errorf("Print error = %v (code %d), want 2 missing required tools", err, cli.CodeOf(err))
	}
	for _, wantLine := range []string{"ok       go", "MISSING  python3", "warn     kubectl", "apt-get install python3.11"} {
		if !strings.Contains(out.String(), wantLine) {
			t.Errorf("output lacks %q:\n%s", wantLine, out.String())
		}
	}
	if err := doctorcmd.Print(&out, res[:1], true); err != nil {
		t.Errorf("all present: %v", err)
	}
}
