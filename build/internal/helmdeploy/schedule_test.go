package helmdeploy_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/helmdeploy"
)

func TestWaves(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		nodes   []helmdeploy.Node
		want    [][]string
		wantErr string
	}{
		{
			name: "independent in one wave, dependents after their needs",
			nodes: []helmdeploy.Node{
				{Component: "orders-api", Needs: []string{"pricing"}},
				{Component: "pricing"},
				{Component: "console", Needs: []string{"orders-api"}},
				{Component: "sales-rollup"},
			},
			want: [][]string{{"pricing", "sales-rollup"}, {"orders-api"}, {"console"}},
		},
		{
			name:  "needs outside the set are met",
			nodes: []helmdeploy.Node{{Component: "orders-api", Needs: []string{"pricing"}}},
			want:  [][]string{{"orders-api"}},
		},
		{
			name:    "cycle",
			nodes:   []helmdeploy.Node{{Component: "a", Needs: []string{"b"}}, {Component: "b", Needs: []string{"a"}}, {Component: "c"}},
			wantErr: "the deploy needs form a cycle among a, b",
		},
		{
			name:    "twice",
			nodes:   []helmdeploy.Node{{Component: "a"}, {Component: "a"}},
			wantErr: "component a is planned twice",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := helmdeploy.Waves(tt.nodes)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Waves() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Waves() (-want +got):\n%s", diff)
			}
		})
	}
}

// span records when a node ran.
type span struct{ start, end time.Time }

// record runs the schedule with a run func that sleeps and records spans;
// fail names nodes whose run fails.
func record(t *testing.T, nodes []helmdeploy.Node, parallel int, fail string) (map[string]span, map[string]error, int) {
	t.Helper()
	var mu sync.Mutex
	spans := map[string]span{}
	running, most := 0, 0
	errs := helmdeploy.Schedule(context.Background(), nodes, parallel, func(_ context.Context, name string) error {
		mu.Lock()
		running++
		most = max(most, running)
		s := span{start: time.Now()}
		mu.Unlock()
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		running--
		s.end = time.Now()
		spans[name] = s
		mu.Unlock()
		if name == fail {
			return errors.New("boom")
		}
		return nil
	})
	return spans, errs, most
}

func TestScheduleOrderAndParallelism(t *testing.T) {
	t.Parallel()
	nodes := []helmdeploy.Node{
		{Component: "orders-api", Needs: []string{"pricing"}},
		{Component: "pricing"},
		{Component: "exports-cleanup"},
		{Component: "sales-rollup"},
		{Component: "console", Needs: []string{"orders-api"}},
	}
	spans, errs, most := record(t, nodes, 0, "")
	for name, err := range errs {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(spans) != len(nodes) {
		t.Fatalf("ran %d nodes, want %d", len(spans), len(nodes))
	}
	for _, n := range nodes {
		for _, need := range n.Needs {
			if spans[n.Component].start.Before(spans[need].end) {
				t.Errorf("%s started before %s, which it needs, finished", n.Component, need)
			}
		}
	}
	// pricing, exports-cleanup and sales-rollup need nothing: they run together.
	if most < 3 {
		t.Errorf("at most %d ran at once, want the 3 independent ones together", most)
	}
}

func TestScheduleParallelCap(t *testing.T) {
	t.Parallel()
	nodes := []helmdeploy.Node{{Component: "a"}, {Component: "b"}, {Component: "c"}, {Component: "d"}}
	_, _, most := record(t, nodes, 2, "")
	if most > 2 {
		t.Errorf("%d ran at once, want at most 2", most)
	}
}

func TestScheduleSkipsDependentsOfAFailure(t *testing.T) {
	t.Parallel()
	nodes := []helmdeploy.Node{
		{Component: "pricing"},
		{Component: "orders-api", Needs: []string{"pricing"}},
		{Component: "console", Needs: []string{"orders-api"}},
		{Component: "sales-rollup"},
	}
	spans, errs, _ := record(t, nodes, 0, "pricing")
	if _, ran := spans["orders-api"]; ran {
		t.Error("orders-api ran although pricing, which it needs, failed")
	}
	if _, ran := spans["console"]; ran {
		t.Error("console ran although orders-api was skipped")
	}
	var nf *helmdeploy.ErrNeedFailed
	if !errors.As(errs["orders-api"], &nf) || nf.Need != "pricing" {
		t.Errorf("orders-api error = %v, want ErrNeedFailed{pricing}", errs["orders-api"])
	}
	if !errors.As(errs["console"], &nf) || nf.Need != "orders-api" {
		t.Errorf("console error = %v, want ErrNeedFailed{orders-api}", errs["console"])
	}
	if errs["sales-rollup"] != nil {
		t.Errorf("sales-rollup: %v, want it deployed: it needs nothing that failed", errs["sales-rollup"])
	}
}
