package suite

import (
	"testing"
	"time"

	"github.com/acme/platform/bench/internal/harness"
)

func TestLinearRows(t *testing.T) {
	t.Parallel()
	series := func(wall time.Duration) *harness.Series {
		return &harness.Series{Command: harness.Command{Tool: "mono"}, Samples: []harness.Sample{{Wall: wall, CPU: wall}}}
	}
	tests := []struct {
		name       string
		at20k      time.Duration
		wantResult string
		wantOK     bool
	}{
		{"linear", 4 * time.Second, "PASS", true},
		{"at the limit", 5 * time.Second, "PASS", true},
		{"superlinear", 6 * time.Second, "FAIL", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mono := map[int]*harness.Series{500: series(100 * time.Millisecond), 5000: series(time.Second), 20000: series(tc.at20k)}
			rows, ok := linearRows(mono, []int{500, 5000, 20000}, 5000, 20000, 5)
			if ok != tc.wantOK || len(rows) != 3 {
				t.Fatalf("linearRows: %d rows, ok %v; want 3 rows, ok %v", len(rows), ok, tc.wantOK)
			}
			if got := rows[0].Series.MedianWall(); got != 200*time.Millisecond {
				t.Errorf("500: %v per 1,000, want 200ms", got)
			}
			if rows[1].Result != "-" || rows[2].Result != tc.wantResult {
				t.Errorf("results %q, %q; want -, %q", rows[1].Result, rows[2].Result, tc.wantResult)
			}
		})
	}
}
