package npmlock_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/npmlock"
)

const lock = `{"lockfileVersion": 3, "packages": {
  "": {"workspaces": ["web/*"]},
  "web/app": {"dependencies": {"react": "^19", "@shop/ui": "*"}, "devDependencies": {"vite": "^7"}},
  "web/ui": {"dependencies": {"react": "^18"}},
  "node_modules/@shop/ui": {"resolved": "web/ui", "link": true},
  "node_modules/react": {"version": "19.0.0", "dependencies": {"scheduler": "^1"}, "devDependencies": {"jest": "*"}},
  "web/ui/node_modules/react": {"version": "18.3.0"},
  "node_modules/scheduler": {"version": "1.0.0"},
  "node_modules/vite": {"version": "7.1.0"},
  "node_modules/jest": {"version": "30.0.0"}
}}`

func keys(m map[string]string) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestPackages(t *testing.T) {
	t.Parallel()
	l, err := npmlock.Parse("package-lock.json", []byte(lock))
	if err != nil {
		t.Fatal(err)
	}
	// The app's own devDependency counts; react's devDependency (jest) does
	// not; the linked workspace is left to the component graph.
	if diff := cmp.Diff([]string{"node_modules/react", "node_modules/scheduler", "node_modules/vite"}, keys(l.Packages("web/app"))); diff != "" {
		t.Errorf("web/app (-want +got):\n%s", diff)
	}
	// A nested node_modules wins over the root one.
	if diff := cmp.Diff([]string{"web/ui/node_modules/react"}, keys(l.Packages("web/ui"))); diff != "" {
		t.Errorf("web/ui (-want +got):\n%s", diff)
	}
	if got := l.Packages("web/none"); got != nil {
		t.Errorf("unknown workspace = %v", got)
	}
}

func TestDigestIgnoresFormatting(t *testing.T) {
	t.Parallel()
	a, _ := npmlock.Parse("a", []byte(`{"lockfileVersion": 3, "packages": {"node_modules/x": {"version": "1.0.0"}}}`))
	b, _ := npmlock.Parse("b", []byte("{\"lockfileVersion\":3,\"packages\":{\"node_modules/x\":{\n  \"version\":  \"1.0.0\"\n}}}"))
	c, _ := npmlock.Parse("c", []byte(`{"lockfileVersion": 3, "packages": {"node_modules/x": {"version": "1.0.1"}}}`))
	if a["node_modules/x"].Digest != b["node_modules/x"].Digest {
		t.Error("whitespace changed the digest")
	}
	if a["node_modules/x"].Digest == c["node_modules/x"].Digest {
		t.Error("a version change kept the digest")
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	if _, err := npmlock.Parse("package-lock.json", []byte(`{"lockfileVersion": 1, "dependencies": {}}`)); err == nil || !strings.Contains(err.Error(), "lockfileVersion 1 is not supported") {
		t.Errorf("v1: %v", err)
	}
	if _, err := npmlock.Parse("package-lock.json", []byte(`{`)); err == nil || !strings.Contains(err.Error(), "package-lock.json") {
		t.Errorf("malformed: %v", err)
	}
	if l, err := npmlock.Parse("x", nil); err != nil || len(l) != 0 {
		t.Errorf("empty: %v %v", l, err)
	}
}
