package suggest_test

import (
	"testing"

	"github.com/acme/platform/build/internal/suggest"
)

func TestClosest(t *testing.T) {
	t.Parallel()
	names := []string{"a", "b", "job", "orders-api", "pricing", "depends", "owners"}
	tests := map[string]string{
		"jbo":        "job",
		"ordres-api": "orders-api",
		"orders":     "orders-api",
		"pricnig":    "pricing",
		"depend":     "depends",
		"owner":      "owners",
		"PRICING":    "pricing",
		"zzzzzzzz":   "",
		"x":          "a",
	}
	for in, want := range tests {
		if got := suggest.Closest(in, names); got != want {
			t.Errorf("Closest(%q) = %q, want %q", in, got, want)
		}
	}
}
