// Package pricing computes the price of an order: tiered volume discounts
// on the subtotal and tax by region. Amounts are integer cents; rates are
// basis points (1/100 of a percent), rounded half up once per step.
package pricing

import (
	"context"
	"errors"
	"fmt"
	"sort"
)

// Line is one priced line of an order.
type Line struct {
	SKU            string
	Quantity       int64
	UnitPriceCents int64
}

// Quote is the price of a set of lines in a region.
type Quote struct {
	SubtotalCents int64
	DiscountBP    int64 // the discount tier applied, in basis points
	DiscountCents int64
	TaxBP         int64
	TaxCents      int64
	TotalCents    int64
}

// Tier gives a discount from a subtotal upwards.
type Tier struct {
	MinSubtotalCents int64
	DiscountBP       int64
}

// Rules are the discount tiers and the tax rate of each region.
type Rules struct {
	Tiers   []Tier
	TaxBP   map[string]int64
	Regions []string // sorted, derived from TaxBP
}

// ErrUnknownRegion is returned for a region without a tax rate.
var ErrUnknownRegion = errors.New("unknown region")

// ErrInvalidLine is returned for a line with a non-positive quantity or a
// negative price.
var ErrInvalidLine = errors.New("invalid line")

// DefaultRules are the company's current price rules.
func DefaultRules() Rules {
	return NewRules(
		[]Tier{{MinSubtotalCents: 100_00, DiscountBP: 500}, {MinSubtotalCents: 500_00, DiscountBP: 1000}, {MinSubtotalCents: 1000_00, DiscountBP: 1500}},
		map[string]int64{"us-east": 887, "us-west": 725, "eu-central": 1900, "eu-west": 2300, "ap-south": 1800},
	)
}

// NewRules builds rules; tiers may come in any order.
func NewRules(tiers []Tier, taxBP map[string]int64) Rules {
	t := append([]Tier(nil), tiers...)
	sort.Slice(t, func(i, j int) bool { return t[i].MinSubtotalCents < t[j].MinSubtotalCents })
	regions := make([]string, 0, len(taxBP))
	for r := range taxBP {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	return Rules{Tiers: t, TaxBP: taxBP, Regions: regions}
}

// Price quotes lines in region.
func (r Rules) Price(region string, lines []Line) (Quote, error) {
	tax, ok := r.TaxBP[region]
	if !ok {
		return Quote{}, fmt.Errorf("%w %q (regions: %v)", ErrUnknownRegion, region, r.Regions)
	}
	var q Quote
	for i, l := range lines {
		if l.Quantity <= 0 || l.UnitPriceCents < 0 {
			return Quote{}, fmt.Errorf("%w: line %d (%s): quantity %d, unit price %d", ErrInvalidLine, i, l.SKU, l.Quantity, l.UnitPriceCents)
		}
		q.SubtotalCents += l.Quantity * l.UnitPriceCents
	}
	for _, t := range r.Tiers {
		if q.SubtotalCents >= t.MinSubtotalCents {
			q.DiscountBP = t.DiscountBP
		}
	}
	q.DiscountCents = applyBP(q.SubtotalCents, q.DiscountBP)
	q.TaxBP = tax
	q.TaxCents = applyBP(q.SubtotalCents-q.DiscountCents, tax)
	q.TotalCents = q.SubtotalCents - q.DiscountCents + q.TaxCents
	return q, nil
}

// applyBP returns amount * bp / 10000 rounded half up.
func applyBP(amount, bp int64) int64 {
	return (amount*bp + 5000) / 10000
}

// Local prices in process with fixed rules; it satisfies the Pricer that
// the orders package declares, as the pricing service's client does.
type Local struct {
	Rules Rules
}

// Price quotes lines in region.
func (l Local) Price(_ context.Context, region string, lines []Line) (Quote, error) {
	return l.Rules.Price(region, lines)
}
