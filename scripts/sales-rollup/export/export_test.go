package export_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acme/platform/libs/business/reporting"
	"github.com/acme/platform/scripts/sales-rollup/export"
)

func TestFormats(t *testing.T) {
	t.Parallel()
	rows := []reporting.DailySales{
		{Day: "2026-03-01", Region: "eu-west", Orders: 1, RevenueCents: 70},
		{Day: "2026-03-01", Region: `us "east", 1`, Orders: 2, RevenueCents: 350},
	}
	tests := []struct {
		name string
		rows []reporting.DailySales
		csv  string
	}{
		{"rows", rows, "day,region,orders,revenue_cents\n2026-03-01,eu-west,1,70\n2026-03-01,\"us \"\"east\"\", 1\",2,350\n"},
		{"no rows", nil, "day,region,orders,revenue_cents\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := export.CSV(tt.rows)
			if err != nil || string(got) != tt.csv {
				t.Errorf("CSV = %q, %v; want %q", got, err, tt.csv)
			}
			pq, err := export.Parquet(tt.rows)
			if err != nil {
				t.Fatal(err)
			}
			back, err := export.ReadParquet(pq)
			if err != nil {
				t.Fatal(err)
			}
			var want []export.Row
			for _, r := range tt.rows {
				want = append(want, export.Row{Day: r.Day, Region: r.Region, Orders: r.Orders, RevenueCents: r.RevenueCents})
			}
			if diff := cmp.Diff(want, back, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("parquet round trip (-want +got):\n%s", diff)
			}
		})
	}
	if f := export.Formats()["parquet"]; f.ContentType == "" || f.Ext != "parquet" {
		t.Errorf("parquet format = %+v", f)
	}
}
