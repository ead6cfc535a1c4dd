package complete

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
)

func TestDates(t *testing.T) {
	t.Parallel()
	// 01:00 on the 2nd in UTC+3 is the 1st in UTC.
	now := func() time.Time { return time.Date(2026, 3, 2, 1, 0, 0, 0, time.FixedZone("", 3*3600)) }
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"2026-03-01", "2026-02-28", "2026-02-27", "2026-02-26", "2026-02-25", "2026-02-24", "2026-02-23"}},
		{"2026-03", []string{"2026-03-01"}},
		{"1999", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			t.Parallel()
			got, directive := Dates(now)(nil, nil, tt.prefix)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("candidates (-want +got):\n%s", diff)
			}
			if directive != cobra.ShellCompDirectiveNoFileComp|cobra.ShellCompDirectiveKeepOrder {
				t.Errorf("directive %v", directive)
			}
		})
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	names := func() ([]string, error) { return []string{"pricing", "orders-api", "airflow"}, nil }
	tests := []struct {
		toComplete string
		want       []string
	}{
		{"", []string{"pricing", "orders-api", "airflow"}},
		{"o", []string{"orders-api"}},
		{"pricing,", []string{"pricing,orders-api", "pricing,airflow"}},
		{"pricing,airflow,o", []string{"pricing,airflow,orders-api"}},
		{"pricing,airflow,orders-api,", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.toComplete, func(t *testing.T) {
			t.Parallel()
			got, _ := List(names)(nil, nil, tt.toComplete)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("candidates (-want +got):\n%s", diff)
			}
		})
	}
	failing := func() ([]string, error) { return nil, errors.New("no workspace") }
	if _, directive := List(failing)(nil, nil, ""); directive != cobra.ShellCompDirectiveError {
		t.Errorf("directive on error %v, want ShellCompDirectiveError", directive)
	}
}
