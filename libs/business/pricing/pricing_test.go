package pricing_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/business/pricing"
)

func TestPrice(t *testing.T) {
	t.Parallel()
	rules := pricing.DefaultRules()
	tests := []struct {
		name   string
		region string
		lines  []pricing.Line
		want   pricing.Quote
	}{
		{"below first tier", "us-east", []pricing.Line{{"A", 2, 25_00}},
			pricing.Quote{SubtotalCents: 50_00, TaxBP: 887, TaxCents: 444, TotalCents: 54_44}},
		{"exactly first tier", "us-west", []pricing.Line{{"A", 1, 100_00}},
			pricing.Quote{SubtotalCents: 100_00, DiscountBP: 500, DiscountCents: 5_00, TaxBP: 725, TaxCents: 689, TotalCents: 101_89}},
		{"second tier over lines", "eu-central", []pricing.Line{{"A", 3, 100_00}, {"B", 4, 50_00}},
			pricing.Quote{SubtotalCents: 500_00, DiscountBP: 1000, DiscountCents: 50_00, TaxBP: 1900, TaxCents: 85_50, TotalCents: 535_50}},
		{"top tier", "eu-west", []pricing.Line{{"A", 10, 200_00}},
			pricing.Quote{SubtotalCents: 2000_00, DiscountBP: 1500, DiscountCents: 300_00, TaxBP: 2300, TaxCents: 391_00, TotalCents: 2091_00}},
		{"rounding half up", "us-east", []pricing.Line{{"A", 1, 1_13}},
			pricing.Quote{SubtotalCents: 1_13, TaxBP: 887, TaxCents: 10, TotalCents: 1_23}},
		{"free item", "ap-south", []pricing.Line{{"A", 1, 0}},
			pricing.Quote{TaxBP: 1800}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := rules.Price(tt.region, tt.lines)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("quote (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPriceErrors(t *testing.T) {
	t.Parallel()
	rules := pricing.DefaultRules()
	if _, err := rules.Price("mars", []pricing.Line{{"A", 1, 1}}); !errors.Is(err, pricing.ErrUnknownRegion) {
		t.Errorf("unknown region: %v", err)
	}
	for _, l := range []pricing.Line{{"A", 0, 1}, {"A", -1, 1}, {"A", 1, -5}} {
		if _, err := rules.Price("us-east", []pricing.Line{l}); !errors.Is(err, pricing.ErrInvalidLine) {
			t.Errorf("line %+v: %v", l, err)
		}
	}
}
