// Package api is the REST edge of orders-api: huma operations over the
// orders and reporting services, registered on a net/http ServeMux (so the
// shared server's per-route metrics see each route's pattern). The OpenAPI
// 3.1 document is generated from these Go types and served at
// /openapi.json; /docs renders it with an embedded Redoc, no CDN.
//
// Errors are RFC 9457 problems. Domain sentinels are mapped to statuses
// here and only here; an unexpected error is logged with the request id and
// answered with a bare 500 that holds no error text.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/acme/platform/libs/business/orders"
	"github.com/acme/platform/libs/business/reporting"
	"github.com/acme/platform/libs/server"
	"github.com/acme/platform/libs/telemetry"
	"github.com/acme/platform/services/orders-api/auth"
)

// Version is the API version written in the OpenAPI document. Change it
// with the committed openapi.json when the contract changes.
const Version = "1.0.0"

// MaxCreateBytes bounds the body of POST /orders.
const MaxCreateBytes = 64 << 10

// Deps are what the handlers call.
type Deps struct {
	Orders   *orders.Service
	Reports  *reporting.Service
	Verifier *auth.Verifier
	Log      *slog.Logger
	// Unavailable are errors meaning a dependency is down (the pricing
	// service, a database not reached yet): they become 503 problems.
	Unavailable []error
}

// New returns the handler serving the API, its OpenAPI document and docs.
func New(d Deps) http.Handler {
	mux := http.NewServeMux()
	register(mux, d)
	mux.Handle("GET /docs", docsPage())
	mux.Handle("GET /docs/redoc.standalone.js", docsAsset())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/docs", http.StatusFound)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			unrouted(mux, w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// unrouted answers a request no route matches with a problem: 404, or 405
// with the Allow header when the path exists for other methods (the mux
// decides which).
func unrouted(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	h, _ := mux.Handler(r)
	probe := &statusProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	if allow := probe.header.Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
	}
	code := probe.code
	if code != http.StatusMethodNotAllowed {
		code = http.StatusNotFound
	}
	server.WriteProblem(w, r, code, fmt.Sprintf("no route %s %s; the routes are listed at /docs", r.Method, r.URL.Path))
}

// statusProbe records what the mux's own not-found handler would answer.
type statusProbe struct {
	header http.Header
	code   int
}

func (p *statusProbe) Header() http.Header { return p.header }

func (p *statusProbe) Write(b []byte) (int, error) {
	if p.code == 0 {
		p.code = http.StatusOK
	}
	return len(b), nil
}

func (p *statusProbe) WriteHeader(code int) {
	if p.code == 0 {
		p.code = code
	}
}

// OpenAPI returns the OpenAPI document the API serves, indented, as
// committed in services/orders-api/openapi.json.
func OpenAPI() ([]byte, error) {
	a := register(http.NewServeMux(), Deps{})
	b, err := json.MarshalIndent(a.OpenAPI(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal openapi: %w", err)
	}
	return append(b, '\n'), nil
}

const bearer = "bearer"

func config() huma.Config {
	c := huma.DefaultConfig("Orders API", Version)
	c.Info.Description = "Create, read and move orders through their lifecycle (pending -> confirmed -> shipped, or cancelled), " +
		"and read the sales reports the dashboards use. Every call needs a bearer JWT: the viewer role reads, the editor role also writes. " +
		"Errors are RFC 9457 problem documents (application/problem+json)."
	c.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		bearer: {Type: "http", Scheme: "bearer", BearerFormat: "JWT", Description: "HS256 token with a roles claim: [\"viewer\"] or [\"editor\"]."},
	}
	c.Tags = []*huma.Tag{
		{Name: "orders", Description: "Orders and their status changes."},
		{Name: "reports", Description: "Sales figures over a range of days (UTC)."},
	}
	c.DocsPath = ""    // our own page, without a CDN: see docs.go
	c.SchemasPath = "" // the schemas are in the document
	c.CreateHooks = nil
	c.RejectUnknownQueryParameters = true
	c.Transformers = []huma.Transformer{problemInstance}
	return c
}

type ctxKey struct{}

// principal returns the caller the auth middleware verified.
func principal(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(ctxKey{}).(auth.Principal)
	return p
}

func register(mux *http.ServeMux, d Deps) huma.API {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	a := humago.New(mux, config())
	h := &handlers{Deps: d}
	a.UseMiddleware(h.authenticate(a))
	h.api = a
	h.routes(a)
	return a
}

// problemInstance fills a problem's instance with the request id, which the
// logs carry too.
func problemInstance(ctx huma.Context, _ string, v any) (any, error) {
	if p, ok := v.(*huma.ErrorModel); ok && p.Instance == "" {
		p.Instance = telemetry.RequestID(ctx.Context())
	}
	return v, nil
}

type handlers struct {
	Deps
	api huma.API
}

// authenticate checks the bearer token of every operation that names a
// role in its metadata.
func (h *handlers) authenticate(a huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		role, ok := ctx.Operation().Metadata["role"].(auth.Role)
		if !ok {
			next(ctx)
			return
		}
		p, err := h.Verifier.Verify(ctx.Header("Authorization"))
		if err != nil {
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="orders-api", error="invalid_token"`)
			_ = huma.WriteErr(a, ctx, http.StatusUnauthorized, err.Error())
			return
		}
		if !p.Has(role) {
			_ = huma.WriteErr(a, ctx, http.StatusForbidden, fmt.Sprintf("%v: this call needs the %s role", auth.ErrForbidden, role))
			return
		}
		next(huma.WithValue(ctx, ctxKey{}, p))
	}
}

// fail maps an error of the services to a problem.
func (h *handlers) fail(ctx context.Context, err error) error {
	var v *orders.ValidationError
	switch {
	case errors.As(err, &v):
		details := make([]error, len(v.Fields))
		for i, f := range v.Fields {
			details[i] = &huma.ErrorDetail{Location: "body." + f.Field, Message: f.Message}
		}
		return huma.Error422UnprocessableEntity("the order is invalid", details...)
	case errors.Is(err, orders.ErrNotFound):
		return huma.Error404NotFound("no such order")
	case errors.Is(err, orders.ErrIdempotencyConflict):
		return huma.Error422UnprocessableEntity("this Idempotency-Key was used with a different request; use a new key for a new order")
	case errors.Is(err, orders.ErrConflict):
		return huma.Error409Conflict(conflictDetail(err))
	case errors.Is(err, reporting.ErrInvalidRange):
		return huma.Error422UnprocessableEntity(err.Error())
	}
	for _, u := range h.Unavailable {
		if errors.Is(err, u) {
			h.Log.WarnContext(ctx, "dependency unavailable", "err", err)
			return huma.ErrorWithHeaders(huma.Error503ServiceUnavailable("a service this call needs is unavailable; retry shortly"),
				http.Header{"Retry-After": {"5"}})
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		h.Log.WarnContext(ctx, "request timed out", "err", err)
		return huma.Error504GatewayTimeout("the request took too long; retry shortly")
	}
	h.Log.ErrorContext(ctx, "request failed", "err", err)
	return huma.Error500InternalServerError("internal error; quote the request id (instance) when you report it")
}

// conflictDetail is the state machine's explanation, which holds no data.
func conflictDetail(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if errors.Is(e, orders.ErrConflict) && e != orders.ErrConflict {
			return e.Error()
		}
	}
	return orders.ErrConflict.Error()
}

var secured = []map[string][]string{{bearer: {}}}

func (h *handlers) routes(a huma.API) {
	huma.Register(a, huma.Operation{
		OperationID: "create-order", Method: http.MethodPost, Path: "/orders", Tags: []string{"orders"},
		Summary:       "Create an order",
		Description:   "Validates, prices (through the pricing service) and stores a pending order. Send an Idempotency-Key to make retries safe: the same key with the same body returns the first order; with another body, 422.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxCreateBytes,
		Security: secured, Metadata: map[string]any{"role": auth.Editor},
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity, http.StatusServiceUnavailable},
	}, h.createOrder)
	huma.Register(a, huma.Operation{
		OperationID: "list-orders", Method: http.MethodGet, Path: "/orders", Tags: []string{"orders"},
		Summary:     "List orders",
		Description: "Newest first, filtered, one page at a time: pass next_cursor back as cursor for the next page.",
		Security:    secured, Metadata: map[string]any{"role": auth.Viewer},
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity},
	}, h.listOrders)
	huma.Register(a, huma.Operation{
		OperationID: "get-order", Method: http.MethodGet, Path: "/orders/{id}", Tags: []string{"orders"},
		Summary:  "Get an order",
		Security: secured, Metadata: map[string]any{"role": auth.Viewer},
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
	}, h.getOrder)
	for _, t := range []struct {
		action, summary string
		fn              func(*orders.Service, context.Context, string) (orders.Order, error)
	}{
		{"confirm", "Confirm a pending order", (*orders.Service).Confirm},
		{"ship", "Ship a confirmed order", (*orders.Service).Ship},
		{"cancel", "Cancel a pending or confirmed order (cancelling a cancelled order returns it unchanged)", (*orders.Service).Cancel},
	} {
		huma.Register(a, huma.Operation{
			OperationID: t.action + "-order", Method: http.MethodPost, Path: "/orders/{id}/" + t.action, Tags: []string{"orders"},
			Summary:  t.summary,
			Security: secured, Metadata: map[string]any{"role": auth.Editor},
			Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		}, func(ctx context.Context, in *orderIDInput) (*orderOutput, error) {
			o, err := t.fn(h.Orders, ctx, in.ID)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			return &orderOutput{Body: toOrder(o)}, nil
		})
	}
	reportOp := func(id, path, summary string) huma.Operation {
		return huma.Operation{
			OperationID: id, Method: http.MethodGet, Path: path, Tags: []string{"reports"}, Summary: summary,
			Security: secured, Metadata: map[string]any{"role": auth.Viewer},
			Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity},
		}
	}
	huma.Register(a, reportOp("get-sales-report", "/reports/summary", "Daily sales, orders by status and revenue by region"), h.summary)
	huma.Register(a, reportOp("get-daily-sales", "/reports/daily-sales", "Sales per day and region (cancelled orders excluded)"), h.dailySales)
	huma.Register(a, reportOp("get-orders-by-status", "/reports/orders-by-status", "Orders created in the range, by status"), h.byStatus)
	huma.Register(a, reportOp("get-revenue-by-region", "/reports/revenue-by-region", "Revenue per region, largest first"), h.byRegion)
}

// Item is one line of an order.
type Item struct {
	SKU            string `json:"sku" pattern:"^[A-Z0-9-]{1,32}$" example:"SKU-1" doc:"Stock keeping unit: 1-32 upper-case letters, digits or '-'."`
	Quantity       int64  `json:"quantity" minimum:"1" maximum:"1000" example:"2" doc:"How many."`
	UnitPriceCents int64  `json:"unit_price_cents" minimum:"0" maximum:"10000000" example:"1250" doc:"Price of one, in cents."`
}

// NewOrder is the body of POST /orders.
type NewOrder struct {
	CustomerID string `json:"customer_id" pattern:"^[A-Za-z0-9_-]{1,64}$" example:"cust-42" doc:"Who orders: 1-64 letters, digits, '_' or '-'."`
	Region     string `json:"region" minLength:"1" maxLength:"32" pattern:"^[a-z0-9-]+$" example:"eu-west" doc:"Where the order ships; it decides the tax. The pricing service lists the regions."`
	Items      []Item `json:"items" minItems:"1" maxItems:"50" doc:"The lines, one per SKU."`
}

// Order is a priced order.
type Order struct {
	ID            string    `json:"id" doc:"Order id."`
	CustomerID    string    `json:"customer_id"`
	Region        string    `json:"region"`
	Items         []Item    `json:"items"`
	Status        string    `json:"status" enum:"pending,confirmed,shipped,cancelled"`
	SubtotalCents int64     `json:"subtotal_cents" doc:"Sum of the lines."`
	DiscountCents int64     `json:"discount_cents" doc:"Volume discount."`
	TaxCents      int64     `json:"tax_cents" doc:"Tax of the region on the discounted subtotal."`
	TotalCents    int64     `json:"total_cents" doc:"What the customer pays."`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func toOrder(o orders.Order) Order {
	items := make([]Item, len(o.Items))
	for i, it := range o.Items {
		items[i] = Item(it)
	}
	return Order{
		ID: o.ID, CustomerID: o.CustomerID, Region: o.Region, Items: items, Status: string(o.Status),
		SubtotalCents: o.SubtotalCents, DiscountCents: o.DiscountCents, TaxCents: o.TaxCents, TotalCents: o.TotalCents,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
	}
}

type createOrderInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"128" doc:"Makes retries safe: up to 128 characters, unique per order you mean to create."`
	Body           NewOrder
}

type orderOutput struct {
	Location string `header:"Location" doc:"Where the new order is."`
	Body     Order
}

func (h *handlers) createOrder(ctx context.Context, in *createOrderInput) (*orderOutput, error) {
	items := make([]orders.Item, len(in.Body.Items))
	for i, it := range in.Body.Items {
		items[i] = orders.Item(it)
	}
	o, err := h.Orders.Create(ctx, orders.NewOrder{
		CustomerID: in.Body.CustomerID, Region: in.Body.Region, Items: items, IdempotencyKey: in.IdempotencyKey,
	})
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	h.Log.InfoContext(ctx, "order created", "order_id", o.ID, "subject", principal(ctx).Subject)
	return &orderOutput{Location: "/orders/" + o.ID, Body: toOrder(o)}, nil
}

type orderIDInput struct {
	ID string `path:"id" minLength:"1" maxLength:"64" doc:"Order id."`
}

func (h *handlers) getOrder(ctx context.Context, in *orderIDInput) (*orderOutput, error) {
	o, err := h.Orders.Get(ctx, in.ID)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return &orderOutput{Body: toOrder(o)}, nil
}

type listInput struct {
	Status     string `query:"status" enum:"pending,confirmed,shipped,cancelled" doc:"Only orders in this status."`
	CustomerID string `query:"customer_id" maxLength:"64" doc:"Only this customer's orders."`
	Region     string `query:"region" maxLength:"32" doc:"Only orders of this region."`
	Limit      int    `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"Page size."`
	Cursor     string `query:"cursor" maxLength:"256" doc:"next_cursor of the previous page."`
}

// Page is one page of orders.
type Page struct {
	Orders     []Order `json:"orders"`
	NextCursor string  `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page."`
}

type pageOutput struct {
	Body Page
}

func (h *handlers) listOrders(ctx context.Context, in *listInput) (*pageOutput, error) {
	p, err := h.Orders.List(ctx, orders.ListQuery{Status: in.Status, CustomerID: in.CustomerID, Region: in.Region, Limit: in.Limit, Cursor: in.Cursor})
	if err != nil {
		var v *orders.ValidationError
		if errors.As(err, &v) { // list problems are query parameters
			details := make([]error, len(v.Fields))
			for i, f := range v.Fields {
				details[i] = &huma.ErrorDetail{Location: "query." + f.Field, Message: f.Message}
			}
			return nil, huma.Error422UnprocessableEntity("the query is invalid", details...)
		}
		return nil, h.fail(ctx, err)
	}
	out := &pageOutput{Body: Page{Orders: make([]Order, len(p.Orders)), NextCursor: p.NextCursor}}
	for i, o := range p.Orders {
		out.Body.Orders[i] = toOrder(o)
	}
	return out, nil
}

type rangeInput struct {
	From string `query:"from" required:"true" format:"date" example:"2026-03-01" doc:"First day (UTC), included."`
	To   string `query:"to" required:"true" format:"date" example:"2026-03-31" doc:"Last day (UTC), included; at most 366 days after from."`
}

func (h *handlers) report(ctx context.Context, in *rangeInput) (reporting.Report, error) {
	r, err := reporting.ParseRange(in.From, in.To)
	if err != nil {
		return reporting.Report{}, h.fail(ctx, err)
	}
	rep, err := h.Reports.Build(ctx, r)
	if err != nil {
		return reporting.Report{}, h.fail(ctx, err)
	}
	return rep, nil
}

type summaryOutput struct{ Body reporting.Report }

func (h *handlers) summary(ctx context.Context, in *rangeInput) (*summaryOutput, error) {
	rep, err := h.report(ctx, in)
	if err != nil {
		return nil, err
	}
	return &summaryOutput{Body: rep}, nil
}

// DailySalesReport is the daily sales of a range.
type DailySalesReport struct {
	From string                 `json:"from"`
	To   string                 `json:"to"`
	Rows []reporting.DailySales `json:"rows"`
}

type dailyOutput struct{ Body DailySalesReport }

func (h *handlers) dailySales(ctx context.Context, in *rangeInput) (*dailyOutput, error) {
	rep, err := h.report(ctx, in)
	if err != nil {
		return nil, err
	}
	return &dailyOutput{Body: DailySalesReport{From: rep.From, To: rep.To, Rows: rep.Daily}}, nil
}

// StatusReport counts the orders of a range by status.
type StatusReport struct {
	From   string                  `json:"from"`
	To     string                  `json:"to"`
	Counts []reporting.StatusCount `json:"counts"`
}

type statusOutput struct{ Body StatusReport }

func (h *handlers) byStatus(ctx context.Context, in *rangeInput) (*statusOutput, error) {
	rep, err := h.report(ctx, in)
	if err != nil {
		return nil, err
	}
	return &statusOutput{Body: StatusReport{From: rep.From, To: rep.To, Counts: rep.ByStatus}}, nil
}

// RegionReport is the revenue of a range per region.
type RegionReport struct {
	From    string                    `json:"from"`
	To      string                    `json:"to"`
	Regions []reporting.RegionRevenue `json:"regions"`
}

type regionOutput struct{ Body RegionReport }

func (h *handlers) byRegion(ctx context.Context, in *rangeInput) (*regionOutput, error) {
	rep, err := h.report(ctx, in)
	if err != nil {
		return nil, err
	}
	return &regionOutput{Body: RegionReport{From: rep.From, To: rep.To, Regions: rep.ByRegion}}, nil
}
