package synth

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestNewGraphDeterministic(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		a, b Options
		same bool
	}{
		{"same seed", Options{Size: 300, Seed: 7}, Options{Size: 300, Seed: 7}, true},
		{"other seed", Options{Size: 300, Seed: 7}, Options{Size: 300, Seed: 8}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ga, err := NewGraph(tc.a)
			if err != nil {
				t.Fatal(err)
			}
			gb, err := NewGraph(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if got := reflect.DeepEqual(ga.Deps, gb.Deps); got != tc.same {
				t.Errorf("equal graphs = %v, want %v", got, tc.same)
			}
		})
	}
}

func TestNewGraphAcyclic(t *testing.T) {
	t.Parallel()
	for _, size := range []int{2, 50, 500, 5000} {
		g, err := NewGraph(Options{Size: size, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		// Depth-first search with colours, independent of the lower-number
		// construction: a grey node met again is a cycle.
		const white, grey, black = 0, 1, 2
		colour := make([]int, size)
		var visit func(int) bool
		visit = func(n int) bool {
			colour[n] = grey
			for _, d := range g.Deps[n] {
				if colour[d] == grey || (colour[d] == white && !visit(d)) {
					return false
				}
			}
			colour[n] = black
			return true
		}
		for n := range size {
			if colour[n] == white && !visit(n) {
				t.Fatalf("size %d: cycle through %s", size, Name(n))
			}
		}
		for n, deps := range g.Deps {
			if len(deps) > 3 || !slices.IsSorted(deps) {
				t.Fatalf("size %d: %s deps %v: want at most 3, sorted", size, Name(n), deps)
			}
		}
	}
}

// TestAffected checks the affected set against one computed the other way
// round: q is affected by a change to p when p is reachable from q over
// dependency edges.
func TestAffected(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		size int
		seed uint64
	}{{500, 1}, {5000, 1}, {800, 42}} {
		g, err := NewGraph(Options{Size: tc.size, Seed: tc.seed})
		if err != nil {
			t.Fatal(err)
		}
		p := g.MidGraph()
		if p < tc.size/2 || len(g.Deps[p]) == 0 {
			t.Errorf("size %d: MidGraph %s is not mid-graph with dependencies", tc.size, Name(p))
		}
		reaches := make([]int, tc.size) // 0 unknown, 1 yes, 2 no
		var reach func(int) bool
		reach = func(q int) bool {
			if q == p {
				return true
			}
			if reaches[q] == 0 {
				reaches[q] = 2
				for _, d := range g.Deps[q] {
					if reach(d) {
						reaches[q] = 1
						break
					}
				}
			}
			return reaches[q] == 1
		}
		var want []string
		for q := range tc.size {
			if reach(q) {
				want = append(want, Name(q))
			}
		}
		sort.Strings(want)
		got := g.Affected(p)
		if !slices.Equal(got, want) {
			t.Errorf("size %d: Affected(%s) = %d names, want %d", tc.size, Name(p), len(got), len(want))
		}
		if len(got) < 1+tc.size/50 {
			t.Errorf("size %d: change to %s affects %d packages, want at least size/50 dependents", tc.size, Name(p), len(got))
		}
	}
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	repo, err := Generate(dir, Options{Size: 60, Seed: 3, NPMVersion: "11.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("git", "-C", dir, "config", "gc.auto").Output(); err != nil || strings.TrimSpace(string(out)) != "0" {
		t.Errorf("gc.auto = %q (%v), want 0: no background gc while tools are timed", out, err)
	}
	// The package.json files hold exactly the drawn dependencies.
	for i, deps := range repo.Graph.Deps {
		data, err := os.ReadFile(filepath.Join(dir, "packages", Name(i), "package.json"))
		if err != nil {
			t.Fatal(err)
		}
		var pj struct {
			Name         string            `json:"name"`
			Dependencies map[string]string `json:"dependencies"`
			Scripts      map[string]string `json:"scripts"`
		}
		if err := json.Unmarshal(data, &pj); err != nil {
			t.Fatal(err)
		}
		var got, want []string
		for name := range pj.Dependencies {
			got = append(got, name)
		}
		for _, d := range deps {
			want = append(want, Name(d))
		}
		sort.Strings(got)
		if pj.Name != Name(i) || !slices.Equal(got, want) || pj.Scripts["build"] == "" {
			t.Errorf("%s/package.json: name %q deps %v build %q; want deps %v", Name(i), pj.Name, got, pj.Scripts["build"], want)
		}
	}
	// HEAD^1..HEAD changes one file of the changed package.
	out, err := exec.Command("git", "-C", dir, "diff", "--name-only", "HEAD^1", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(out)), "packages/"+Name(repo.Changed)+"/src/index.js"; got != want {
		t.Errorf("last commit changes %q, want %q", got, want)
	}
	for _, f := range []string{"mono.yaml", "turbo.json", "nx.json", "package-lock.json", ".gitignore"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}
