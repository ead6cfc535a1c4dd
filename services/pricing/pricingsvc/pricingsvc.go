// Package pricingsvc serves the pricing API over Connect (which also speaks
// gRPC and gRPC-Web) on top of libs/business/pricing.
package pricingsvc

import (
	"context"
	"errors"
	"net/http"

	"connectrpc.com/connect"

	"github.com/acme/platform/libs/business/pricing"
	pricingv1 "github.com/acme/platform/services/pricing/gen/acme/pricing/v1"
	"github.com/acme/platform/services/pricing/gen/acme/pricing/v1/pricingv1connect"
)

// MaxLines bounds a quote request.
const MaxLines = 500

// Handler implements the PricingService.
type Handler struct {
	rules pricing.Rules
}

var _ pricingv1connect.PricingServiceHandler = (*Handler)(nil)

// New returns a handler pricing with rules.
func New(rules pricing.Rules) *Handler { return &Handler{rules: rules} }

// Routes returns the service's path prefix and HTTP handler.
func (h *Handler) Routes(opts ...connect.HandlerOption) (string, http.Handler) {
	return pricingv1connect.NewPricingServiceHandler(h, opts...)
}

// Quote prices lines in a region.
func (h *Handler) Quote(_ context.Context, req *connect.Request[pricingv1.QuoteRequest]) (*connect.Response[pricingv1.QuoteResponse], error) {
	msg := req.Msg
	if len(msg.GetLines()) == 0 || len(msg.GetLines()) > MaxLines {
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("lines: between 1 and 500 lines are required"))
	}
	lines := make([]pricing.Line, len(msg.GetLines()))
	for i, l := range msg.GetLines() {
		lines[i] = pricing.Line{SKU: l.GetSku(), Quantity: l.GetQuantity(), UnitPriceCents: l.GetUnitPriceCents()}
	}
	q, err := h.rules.Price(msg.GetRegion(), lines)
	switch {
	case errors.Is(err, pricing.ErrUnknownRegion), errors.Is(err, pricing.ErrInvalidLine):
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	case err != nil:
		return nil, connect.NewError(connect.CodeInternal, errors.New("pricing failed"))
	}
	return connect.NewResponse(&pricingv1.QuoteResponse{
		SubtotalCents: q.SubtotalCents, DiscountBp: q.DiscountBP, DiscountCents: q.DiscountCents,
		TaxBp: q.TaxBP, TaxCents: q.TaxCents, TotalCents: q.TotalCents,
	}), nil
}

// ListRegions lists the regions with a tax rate.
func (h *Handler) ListRegions(context.Context, *connect.Request[pricingv1.ListRegionsRequest]) (*connect.Response[pricingv1.ListRegionsResponse], error) {
	res := &pricingv1.ListRegionsResponse{}
	for _, r := range h.rules.Regions {
		res.Regions = append(res.Regions, &pricingv1.Region{Name: r, TaxBp: h.rules.TaxBP[r]})
	}
	return connect.NewResponse(res), nil
}
