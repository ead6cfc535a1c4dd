package suite

import (
	"fmt"

	"github.com/acme/platform/bench/internal/harness"
)

// linearCase names the rows of mono's affected cost per 1,000 packages.
const linearCase = "affected per 1,000"

// linearRows reports mono's affected cost per 1,000 packages at every
// size (the median wall and CPU columns are seconds per 1,000 packages)
// and, on each row, the ratio of its whole run to the run at base. At
// judged the ratio must be at most target. ok is false when it is not, or
// when base or judged was not measured although both are among sizes.
func linearRows(mono map[int]*harness.Series, sizes []int, base, judged int, target float64) ([]harness.Row, bool) {
	var rows []harness.Row
	ok := true
	ref := mono[base]
	for _, size := range sizes {
		s := mono[size]
		if s == nil {
			continue
		}
		row := harness.Row{Case: linearCase, Size: size, Tool: "mono", Series: s.PerThousand(size)}
		if ref != nil {
			r := harness.Compare(s, []*harness.Series{ref})
			r.Peer = fmt.Sprintf("mono at %d", base)
			t := 0.0
			if size == judged {
				t = target
			}
			row.Ratio, row.Target, row.Result = r.Verdict(t)
			if row.Result == "FAIL" {
				ok = false
			}
		}
		rows = append(rows, row)
	}
	return rows, ok
}
