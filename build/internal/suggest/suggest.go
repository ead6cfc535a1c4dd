// Package suggest finds the known name closest to a mistyped one, for
// "did you mean" hints in error messages.
package suggest

import (
	"strings"

	"github.com/agnivade/levenshtein"
)

// Closest returns the candidate nearest to name by edit distance, or "" when
// none is near enough to be a plausible typo. Among equally near candidates
// the one closest in length wins, so "jbo" suggests "job" rather than "b".
func Closest(name string, candidates []string) string {
	best, bestDist, bestLen := "", len(name)/2+2, 0
	lower := strings.ToLower(name)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := levenshtein.ComputeDistance(lower, lc)
		if len(name) >= 3 && strings.Contains(lc, lower) {
			d = min(d, 1)
		}
		dl := abs(len(c) - len(name))
		if d < bestDist || d == bestDist && best != "" && dl < bestLen {
			best, bestDist, bestLen = c, d, dl
		}
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
