package task

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTaskEnviron(t *testing.T) {
	environ := []string{
		"PATH=/bin", "HOME=/h", "LC_ALL=C", "SECRET=x", "DB_URL=postgres://", "AWS_REGION=eu",
		"AWS_PROFILE=p", "AWSX=no", "GOFLAGS=-race", "DB_URL=last", "EMPTY=",
	}
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"base set only", nil, []string{"PATH=/bin", "HOME=/h", "LC_ALL=C"}},
		{"declared names", []string{"GOFLAGS", "EMPTY", "UNSET"}, []string{"PATH=/bin", "HOME=/h", "LC_ALL=C", "GOFLAGS=-race", "EMPTY="}},
		{"prefix", []string{"AWS_*"}, []string{"PATH=/bin", "HOME=/h", "LC_ALL=C", "AWS_REGION=eu", "AWS_PROFILE=p"}},
		{"last value of a name wins", []string{"DB_URL"}, []string{"PATH=/bin", "HOME=/h", "LC_ALL=C", "DB_URL=last"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, TaskEnviron(environ, tt.env)); diff != "" {
				t.Errorf("TaskEnviron (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEnvDigests(t *testing.T) {
	environ := []string{"A=1", "AWS_REGION=eu", "AWS_PROFILE=p", "PATH=/bin", "EMPTY="}
	got := envDigests(environ, []string{"A", "EMPTY", "UNSET", "AWS_*", "NONE_*"})
	if got["A"] == "" || got["A"] == "1" || len(got["A"]) != 16 {
		t.Errorf("A: want a 16-digit digest, got %q", got["A"])
	}
	for _, k := range []string{"EMPTY", "UNSET", "AWS_*", "NONE_*"} {
		if v, ok := got[k]; !ok || v != "" {
			t.Errorf("%s: want present and empty, got %q, %v", k, v, ok)
		}
	}
	for _, k := range []string{"AWS_REGION", "AWS_PROFILE"} {
		if got[k] == "" {
			t.Errorf("%s: matched by AWS_* but not hashed: %v", k, got)
		}
	}
	if _, ok := got["PATH"]; ok {
		t.Errorf("PATH is hashed though not declared")
	}
	if envDigests(environ, nil) != nil {
		t.Errorf("no declarations: want no env in the manifest")
	}
}

// TestBaseEnvDocumented: docs/mono-run.md lists every variable of the base
// set.
func TestBaseEnvDocumented(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "mono-run.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "### Environment of a task")
	if !ok {
		t.Fatal(`docs/mono-run.md has no section "Environment of a task"`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, v := range BaseEnv {
		if !strings.Contains(section, v) && !strings.Contains(section, strings.ToUpper(v)) {
			t.Errorf("docs/mono-run.md, Environment of a task, does not list %s", v)
		}
	}
}
