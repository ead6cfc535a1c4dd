package orders_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/business/orders"
	"github.com/acme/platform/libs/business/orders/orderstest"
	"github.com/acme/platform/libs/business/pricing"
)

func newService() (*orders.Service, *time.Time) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	n := 0
	svc := orders.NewService(orderstest.NewMemory(), pricing.Local{Rules: pricing.DefaultRules()},
		func() time.Time { return now },
		func() string { n++; return fmt.Sprintf("ord-%03d", n) })
	return svc, &now
}

func valid() orders.NewOrder {
	return orders.NewOrder{CustomerID: "cust-1", Region: "us-east", Items: []orders.Item{{SKU: "WIDGET-1", Quantity: 4, UnitPriceCents: 25_00}}}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	many := make([]orders.Item, orders.MaxItems+1)
	for i := range many {
		many[i] = orders.Item{SKU: fmt.Sprintf("S-%d", i), Quantity: 1}
	}
	tests := []struct {
		name   string
		mutate func(*orders.NewOrder)
		fields []string
	}{
		{"valid", func(*orders.NewOrder) {}, nil},
		{"missing customer", func(o *orders.NewOrder) { o.CustomerID = "" }, []string{"customer_id"}},
		{"customer with spaces", func(o *orders.NewOrder) { o.CustomerID = "a b" }, []string{"customer_id"}},
		{"missing region", func(o *orders.NewOrder) { o.Region = "" }, []string{"region"}},
		{"no items", func(o *orders.NewOrder) { o.Items = nil }, []string{"items"}},
		{"too many items", func(o *orders.NewOrder) { o.Items = many }, []string{"items"}},
		{"bad sku", func(o *orders.NewOrder) { o.Items[0].SKU = "lower" }, []string{"items[0].sku"}},
		{"duplicate sku", func(o *orders.NewOrder) { o.Items = append(o.Items, o.Items[0]) }, []string{"items[1].sku"}},
		{"zero quantity", func(o *orders.NewOrder) { o.Items[0].Quantity = 0 }, []string{"items[0].quantity"}},
		{"huge quantity", func(o *orders.NewOrder) { o.Items[0].Quantity = orders.MaxQuantity + 1 }, []string{"items[0].quantity"}},
		{"negative price", func(o *orders.NewOrder) { o.Items[0].UnitPriceCents = -1 }, []string{"items[0].unit_price_cents"}},
		{"long key", func(o *orders.NewOrder) { o.IdempotencyKey = strings.Repeat("k", 129) }, []string{"idempotency_key"}},
		{"every problem at once", func(o *orders.NewOrder) { o.CustomerID = ""; o.Region = ""; o.Items[0].Quantity = 0 },
			[]string{"customer_id", "region", "items[0].quantity"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := valid()
			in.Items = append([]orders.Item(nil), in.Items...)
			tt.mutate(&in)
			err := orders.Validate(in)
			var got []string
			if err != nil {
				var ve *orders.ValidationError
				if !errors.As(err, &ve) || !errors.Is(err, orders.ErrInvalid) {
					t.Fatalf("error %v is not a ValidationError", err)
				}
				for _, f := range ve.Fields {
					got = append(got, f.Field)
				}
			}
			if diff := cmp.Diff(tt.fields, got); diff != "" {
				t.Errorf("invalid fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreatePricesAndIsIdempotent(t *testing.T) {
	t.Parallel()
	svc, _ := newService()
	ctx := context.Background()
	in := valid()
	in.IdempotencyKey = "k1"
	o, err := svc.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	// 4 x 25.00 = 100.00 -> 5% off = 95.00, tax 8.87% = 8.43 -> 103.43
	if o.Status != orders.Pending || o.SubtotalCents != 100_00 || o.DiscountCents != 5_00 || o.TaxCents != 8_43 || o.TotalCents != 103_43 {
		t.Errorf("created order = %+v", o)
	}
	again, err := svc.Create(ctx, in)
	if err != nil || again.ID != o.ID {
		t.Errorf("retry: %v, id %s, want %s", err, again.ID, o.ID)
	}
	in.Items[0].Quantity = 5
	if _, err := svc.Create(ctx, in); !errors.Is(err, orders.ErrIdempotencyConflict) {
		t.Errorf("changed request with the same key: %v", err)
	}
	bad := valid()
	bad.Region = "mars"
	var ve *orders.ValidationError
	if _, err := svc.Create(ctx, bad); !errors.As(err, &ve) || ve.Fields[0].Field != "region" {
		t.Errorf("unknown region: %v", err)
	}
}

func TestStateMachine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to orders.Status
		ok       bool
	}{
		{orders.Pending, orders.Confirmed, true},
		{orders.Confirmed, orders.Shipped, true},
		{orders.Pending, orders.Cancelled, true},
		{orders.Confirmed, orders.Cancelled, true},
		{orders.Pending, orders.Shipped, false},
		{orders.Shipped, orders.Cancelled, false},
		{orders.Cancelled, orders.Confirmed, false},
		{orders.Shipped, orders.Pending, false},
	}
	for _, tt := range tests {
		if got := orders.CanTransition(tt.from, tt.to); got != tt.ok {
			t.Errorf("%s -> %s = %v, want %v", tt.from, tt.to, got, tt.ok)
		}
	}

	svc, _ := newService()
	ctx := context.Background()
	o, _ := svc.Create(ctx, valid())
	if _, err := svc.Ship(ctx, o.ID); !errors.Is(err, orders.ErrConflict) {
		t.Errorf("ship a pending order: %v", err)
	}
	if c, err := svc.Cancel(ctx, o.ID); err != nil || c.Status != orders.Cancelled {
		t.Fatalf("cancel: %v %s", err, c.Status)
	}
	if c, err := svc.Cancel(ctx, o.ID); err != nil || c.Status != orders.Cancelled {
		t.Errorf("cancel again must be a no-op: %v", err)
	}
	if _, err := svc.Confirm(ctx, o.ID); !errors.Is(err, orders.ErrConflict) {
		t.Errorf("confirm a cancelled order: %v", err)
	}
	if _, err := svc.Cancel(ctx, "nope"); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("cancel a missing order: %v", err)
	}
	p, _ := svc.Create(ctx, valid())
	if _, err := svc.Confirm(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if s, err := svc.Ship(ctx, p.ID); err != nil || s.Status != orders.Shipped {
		t.Errorf("ship: %v", err)
	}
	if _, err := svc.Cancel(ctx, p.ID); !errors.Is(err, orders.ErrConflict) {
		t.Errorf("cancel a shipped order: %v", err)
	}
}

func TestListPagination(t *testing.T) {
	t.Parallel()
	svc, now := newService()
	ctx := context.Background()
	for i := 0; i < 7; i++ {
		*now = now.Add(time.Minute)
		if _, err := svc.Create(ctx, valid()); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	cursor := ""
	for pages := 0; pages < 10; pages++ {
		p, err := svc.List(ctx, orders.ListQuery{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Orders {
			seen = append(seen, o.ID)
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	want := []string{"ord-007", "ord-006", "ord-005", "ord-004", "ord-003", "ord-002", "ord-001"}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}

	for _, q := range []orders.ListQuery{{Limit: -1}, {Limit: orders.MaxPageSize + 1}, {Status: "lost"}, {Cursor: "!!!"}, {Cursor: "bm90LWEtY3Vyc29y"}} {
		if _, err := svc.List(ctx, q); !errors.Is(err, orders.ErrInvalid) {
			t.Errorf("List(%+v) = %v, want ErrInvalid", q, err)
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	p := orders.Position{CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), ID: "ord:with:colons"}
	got, err := orders.DecodeCursor(orders.EncodeCursor(p))
	if err != nil || !got.CreatedAt.Equal(p.CreatedAt) || got.ID != p.ID {
		t.Fatalf("round trip = %+v, %v", got, err)
	}
}
