package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/business/orders"
	"github.com/acme/platform/libs/business/pricing"
	"github.com/acme/platform/libs/business/reporting"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbtest"
	"github.com/acme/platform/libs/server"
	"github.com/acme/platform/libs/telemetry"
	"github.com/acme/platform/services/orders-api/api"
	"github.com/acme/platform/services/orders-api/auth"
	"github.com/acme/platform/services/orders-api/migrations"
	"github.com/acme/platform/services/orders-api/ordersdb"

	"github.com/acme/platform/libs/testenv"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

var signingKey = []byte("api-test-signing-key-0123456789abcdef")

const issuer = "acme-orders"

// store is what the API stores in: ordersdb.Store, ordersdb.Gate.
type store interface {
	orders.Store
	reporting.Store
	Ping(context.Context) error
}

// env is one orders-api served on 127.0.0.1 through libs/server.
type env struct {
	url                    string
	editor, viewer, nobody string
	logs                   *testenv.SyncBuffer
}

var errPricingDown = errors.New("pricing down")

type downPricer struct{}

func (downPricer) Price(context.Context, string, []pricing.Line) (pricing.Quote, error) {
	return pricing.Quote{}, fmt.Errorf("quote: %w", errPricingDown)
}

// start serves the API over st with pricer until the test ends.
func start(t *testing.T, st store, pricer orders.Pricer) *env {
	t.Helper()
	logs := &testenv.SyncBuffer{}
	log, err := telemetry.NewLogger(logs, "orders-api", telemetry.LogConfig{Level: "debug"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(signingKey, issuer, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var mu sync.Mutex
	newID := func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("ord-%04d", n)
	}
	h := api.New(api.Deps{
		Orders:      orders.NewService(st, pricer, time.Now, newID),
		Reports:     reporting.NewService(st),
		Verifier:    v,
		Log:         log,
		Unavailable: []error{errPricingDown, ordersdb.ErrNotReady},
	})
	srv := server.New(server.Config{ShutdownTimeout: 5 * time.Second}, log, telemetry.NewRegistry("orders-api", "test"), h,
		server.Check{Name: "database", Fn: st.Ping})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	tok := func(roles ...auth.Role) string {
		s, err := auth.Issue(signingKey, issuer, "tester", roles, time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return &env{url: "http://" + ln.Addr().String(), editor: tok(auth.Editor), viewer: tok(auth.Viewer), nobody: tok(), logs: logs}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// do sends a request; body is JSON-encoded unless it is a string or []byte.
func (e *env) do(t *testing.T, method, path, token string, body any, header ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func newOrder() map[string]any {
	return map[string]any{
		"customer_id": "cust-1", "region": "us-east",
		"items": []map[string]any{{"sku": "SKU-1", "quantity": 2, "unit_price_cents": 1500}, {"sku": "SKU-2", "quantity": 1, "unit_price_cents": 999}},
	}
}

// eachStore runs fn against SQLite, and PostgreSQL unless -short.
func eachStore(t *testing.T, fn func(t *testing.T, st store)) {
	for _, drv := range []db.Driver{db.SQLite, db.Postgres} {
		t.Run(string(drv), func(t *testing.T) {
			t.Parallel()
			var d *db.DB
			if drv == db.Postgres {
				d = dbtest.NewPostgres(t, migrations.Set(), nil)
			} else {
				d = dbtest.NewSQLite(t, migrations.Set(), nil)
			}
			fn(t, ordersdb.New(d))
		})
	}
}

func TestIntegrationOrderLifecycle(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store) {
		e := start(t, st, pricing.Local{Rules: pricing.DefaultRules()})

		res := e.do(t, "POST", "/orders", e.editor, newOrder(), "Idempotency-Key", "k-1")
		if res.status != http.StatusCreated {
			t.Fatalf("create: %d %s", res.status, res.body)
		}
		var created api.Order
		res.json(t, &created)
		if got := res.header.Get("Location"); got != "/orders/"+created.ID {
			t.Errorf("Location %q", got)
		}
		// 2*1500 + 999 = 3999: under the first tier; us-east tax 8.87% = 354.7 -> 355.
		want := api.Order{ID: created.ID, CustomerID: "cust-1", Region: "us-east", Status: "pending",
			Items:         []api.Item{{SKU: "SKU-1", Quantity: 2, UnitPriceCents: 1500}, {SKU: "SKU-2", Quantity: 1, UnitPriceCents: 999}},
			SubtotalCents: 3999, TaxCents: 355, TotalCents: 4354, CreatedAt: created.CreatedAt, UpdatedAt: created.UpdatedAt}
		if diff := cmp.Diff(want, created); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}

		retry := e.do(t, "POST", "/orders", e.editor, newOrder(), "Idempotency-Key", "k-1")
		var again api.Order
		retry.json(t, &again)
		if retry.status != http.StatusCreated || again.ID != created.ID {
			t.Errorf("retry with the same key: %d, id %s, want the first order %s", retry.status, again.ID, created.ID)
		}

		var got api.Order
		res = e.do(t, "GET", "/orders/"+created.ID, e.viewer, nil)
		res.json(t, &got)
		if res.status != http.StatusOK {
			t.Fatalf("get: %d %s", res.status, res.body)
		}
		if diff := cmp.Diff(created, got); diff != "" {
			t.Errorf("get (-created +got):\n%s", diff)
		}

		for _, step := range []struct {
			action, status string
			code           int
		}{
			{"confirm", "confirmed", 200},
			{"confirm", "", 409},
			{"ship", "shipped", 200},
			{"cancel", "", 409},
		} {
			res := e.do(t, "POST", "/orders/"+created.ID+"/"+step.action, e.editor, nil)
			if res.status != step.code {
				t.Fatalf("%s: %d %s, want %d", step.action, res.status, res.body, step.code)
			}
			if step.code == 200 {
				var o api.Order
				res.json(t, &o)
				if o.Status != step.status {
					t.Errorf("%s: status %s, want %s", step.action, o.Status, step.status)
				}
			}
		}

		// pages: three more orders, two per page.
		for i := range 3 {
			body := newOrder()
			body["customer_id"] = fmt.Sprintf("cust-%d", i+2)
			if res := e.do(t, "POST", "/orders", e.editor, body); res.status != 201 {
				t.Fatalf("create %d: %d %s", i, res.status, res.body)
			}
		}
		var seen []string
		cursor := ""
		for range 5 {
			var p api.Page
			res := e.do(t, "GET", "/orders?limit=2&cursor="+cursor, e.viewer, nil)
			if res.status != 200 {
				t.Fatalf("list: %d %s", res.status, res.body)
			}
			res.json(t, &p)
			for _, o := range p.Orders {
				seen = append(seen, o.ID)
			}
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if diff := cmp.Diff([]string{"ord-0005", "ord-0004", "ord-0003", "ord-0001"}, seen); diff != "" {
			t.Errorf("paged ids (-want +got):\n%s", diff)
		}
		var shipped api.Page
		e.do(t, "GET", "/orders?status=shipped", e.viewer, nil).json(t, &shipped)
		if len(shipped.Orders) != 1 || shipped.Orders[0].ID != created.ID {
			t.Errorf("status filter: %+v", shipped)
		}

		today := time.Now().UTC().Format("2006-01-02")
		var rep reporting.Report
		res = e.do(t, "GET", "/reports/summary?from="+today+"&to="+today, e.viewer, nil)
		if res.status != 200 {
			t.Fatalf("summary: %d %s", res.status, res.body)
		}
		res.json(t, &rep)
		wantRep := reporting.Report{From: today, To: today,
			Daily:    []reporting.DailySales{{Day: today, Region: "us-east", Orders: 4, RevenueCents: 4 * 4354}},
			ByStatus: []reporting.StatusCount{{Status: "pending", Count: 3}, {Status: "confirmed"}, {Status: "shipped", Count: 1}, {Status: "cancelled"}},
			ByRegion: []reporting.RegionRevenue{{Region: "us-east", RevenueCents: 4 * 4354}}}
		if diff := cmp.Diff(wantRep, rep); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
		for _, path := range []string{"daily-sales", "orders-by-status", "revenue-by-region"} {
			if res := e.do(t, "GET", "/reports/"+path+"?from="+today+"&to="+today, e.viewer, nil); res.status != 200 {
				t.Errorf("%s: %d %s", path, res.status, res.body)
			}
		}

		// per-route metrics carry the route pattern, not the path.
		res = e.do(t, "GET", "/metrics", "", nil)
		if !strings.Contains(string(res.body), `route="GET /orders/{id}"`) {
			t.Errorf("metrics lack the route label of GET /orders/{id}")
		}
	})
}

// TestBadInput: every bad request is a 4xx problem document that leaks no
// stack, SQL or internal error text.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := start(t, ordersdb.New(dbtest.NewSQLite(t, migrations.Set(), nil)), pricing.Local{Rules: pricing.DefaultRules()})
	if res := e.do(t, "POST", "/orders", e.editor, newOrder(), "Idempotency-Key", "used"); res.status != 201 {
		t.Fatalf("seed: %d %s", res.status, res.body)
	}
	with := func(edit func(map[string]any)) map[string]any {
		b := newOrder()
		edit(b)
		return b
	}
	item := func(edit func(map[string]any)) map[string]any {
		return with(func(b map[string]any) {
			it := map[string]any{"sku": "SKU-1", "quantity": 1, "unit_price_cents": 100}
			edit(it)
			b["items"] = []map[string]any{it}
		})
	}
	many := make([]map[string]any, 51)
	for i := range many {
		many[i] = map[string]any{"sku": fmt.Sprintf("SKU-%d", i), "quantity": 1, "unit_price_cents": 1}
	}
	big := `{"customer_id":"c","region":"us-east","items":[],"pad":"` + strings.Repeat("x", api.MaxCreateBytes) + `"}`
	huge := strings.Repeat("x", 2<<20)

	tests := []struct {
		name         string
		method, path string
		token        string // "editor", "viewer", "nobody", "" or a raw token
		body         any
		header       []string
		status       int
		says         string // in the problem's text
	}{
		{"malformed json", "POST", "/orders", "editor", `{"customer_id": "c",`, nil, 400, ""},
		{"not an object", "POST", "/orders", "editor", `[1,2]`, nil, 422, ""},
		{"empty body", "POST", "/orders", "editor", ``, nil, 400, "body"},
		{"unknown field", "POST", "/orders", "editor", with(func(b map[string]any) { b["discount"] = 100 }), nil, 422, "discount"},
		{"missing items", "POST", "/orders", "editor", with(func(b map[string]any) { delete(b, "items") }), nil, 422, "items"},
		{"no items", "POST", "/orders", "editor", with(func(b map[string]any) { b["items"] = []any{} }), nil, 422, "items"},
		{"too many items", "POST", "/orders", "editor", with(func(b map[string]any) { b["items"] = many }), nil, 422, "items"},
		{"quantity zero", "POST", "/orders", "editor", item(func(it map[string]any) { it["quantity"] = 0 }), nil, 422, "quantity"},
		{"quantity too big", "POST", "/orders", "editor", item(func(it map[string]any) { it["quantity"] = 1001 }), nil, 422, "quantity"},
		{"quantity overflows int64", "POST", "/orders", "editor", `{"customer_id":"c","region":"us-east","items":[{"sku":"A","quantity":99999999999999999999999,"unit_price_cents":1}]}`, nil, 422, ""},
		{"quantity not a number", "POST", "/orders", "editor", item(func(it map[string]any) { it["quantity"] = "two" }), nil, 422, "quantity"},
		{"negative price", "POST", "/orders", "editor", item(func(it map[string]any) { it["unit_price_cents"] = -1 }), nil, 422, "unit_price_cents"},
		{"lower-case sku", "POST", "/orders", "editor", item(func(it map[string]any) { it["sku"] = "sku-1" }), nil, 422, "sku"},
		{"duplicate sku", "POST", "/orders", "editor", with(func(b map[string]any) {
			b["items"] = []map[string]any{{"sku": "A", "quantity": 1, "unit_price_cents": 1}, {"sku": "A", "quantity": 1, "unit_price_cents": 1}}
		}), nil, 422, "appears twice"},
		{"bad customer", "POST", "/orders", "editor", with(func(b map[string]any) { b["customer_id"] = "no spaces please" }), nil, 422, "customer_id"},
		{"unknown region", "POST", "/orders", "editor", with(func(b map[string]any) { b["region"] = "mars-north" }), nil, 422, "unknown region"},
		{"sql in a field", "POST", "/orders", "editor", with(func(b map[string]any) { b["customer_id"] = "x'; DROP TABLE orders; --" }), nil, 422, "customer_id"},
		{"key reused for another order", "POST", "/orders", "editor", with(func(b map[string]any) { b["customer_id"] = "other" }), []string{"Idempotency-Key", "used"}, 422, "Idempotency-Key"},
		{"key too long", "POST", "/orders", "editor", newOrder(), []string{"Idempotency-Key", strings.Repeat("k", 129)}, 422, "Idempotency-Key"},
		{"body over the create limit", "POST", "/orders", "editor", big, nil, 413, ""},
		{"body over the server limit", "POST", "/orders", "editor", huge, nil, 413, ""},
		{"no token", "POST", "/orders", "", newOrder(), nil, 401, "no bearer token"},
		{"garbage token", "GET", "/orders", "not-a-jwt", nil, nil, 401, "malformed"},
		{"basic auth", "GET", "/orders", "", nil, []string{"Authorization", "Basic dXNlcjpwYXNz"}, 401, "Bearer"},
		{"viewer writes", "POST", "/orders", "viewer", newOrder(), nil, 403, "editor"},
		{"no role reads", "GET", "/orders", "nobody", nil, nil, 403, "viewer"},
		{"missing order", "GET", "/orders/nope", "viewer", nil, nil, 404, ""},
		{"order id too long", "GET", "/orders/" + strings.Repeat("a", 65), "viewer", nil, nil, 422, ""},
		{"confirm missing", "POST", "/orders/nope/confirm", "editor", nil, nil, 404, ""},
		{"limit zero", "GET", "/orders?limit=0", "viewer", nil, nil, 422, "limit"},
		{"limit too big", "GET", "/orders?limit=101", "viewer", nil, nil, 422, "limit"},
		{"limit not a number", "GET", "/orders?limit=ten", "viewer", nil, nil, 422, "limit"},
		{"bad status", "GET", "/orders?status=lost", "viewer", nil, nil, 422, "status"},
		{"bad cursor", "GET", "/orders?cursor=!!!", "viewer", nil, nil, 422, "cursor"},
		{"forged cursor", "GET", "/orders?cursor=bm90LWEtY3Vyc29y", "viewer", nil, nil, 422, "cursor"},
		{"unknown query parameter", "GET", "/orders?colour=red", "viewer", nil, nil, 422, "colour"},
		{"report without range", "GET", "/reports/summary", "viewer", nil, nil, 422, "from"},
		{"report bad day", "GET", "/reports/summary?from=2026-02-30&to=2026-03-01", "viewer", nil, nil, 422, "from"},
		{"report backwards", "GET", "/reports/summary?from=2026-03-02&to=2026-03-01", "viewer", nil, nil, 422, "before"},
		{"report too long", "GET", "/reports/daily-sales?from=2024-01-01&to=2026-01-01", "viewer", nil, nil, 422, "366"},
		{"unknown route", "GET", "/nothing-here", "", nil, nil, 404, "no route"},
		{"method not allowed", "DELETE", "/orders/x", "editor", nil, nil, 405, ""},
		{"xml body", "POST", "/orders", "editor", `<order/>`, []string{"Content-Type", "application/xml"}, 415, ""},
		{"null body", "POST", "/orders", "editor", `null`, nil, 422, ""},
		{"deeply nested body", "POST", "/orders", "editor", strings.Repeat("[", 5000) + strings.Repeat("]", 5000), nil, 422, ""},
		{"huge number of items", "POST", "/orders", "editor", `{"customer_id":"c","region":"us-east","items":[` + strings.Repeat(`{"sku":"A","quantity":1,"unit_price_cents":1},`, 1000) + `{"sku":"A","quantity":1,"unit_price_cents":1}]}`, nil, 422, "items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok := map[string]string{"editor": e.editor, "viewer": e.viewer, "nobody": e.nobody, "": ""}[tt.token]
			if _, known := map[string]bool{"editor": true, "viewer": true, "nobody": true, "": true}[tt.token]; !known {
				tok = tt.token
			}
			res := e.do(t, tt.method, tt.path, tok, tt.body, tt.header...)
			if res.status != tt.status {
				t.Errorf("status %d, want %d: %s", res.status, tt.status, res.body)
			}
			if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("content type %q, want a problem", ct)
			}
			var p struct {
				Status   int    `json:"status"`
				Title    string `json:"title"`
				Instance string `json:"instance"`
			}
			res.json(t, &p)
			if p.Status != tt.status || p.Title == "" {
				t.Errorf("problem %s", res.body)
			}
			text := string(res.body)
			if !strings.Contains(text, tt.says) {
				t.Errorf("problem does not say %q: %s", tt.says, text)
			}
			for _, leak := range []string{"goroutine", "panic", "SELECT", "INSERT", "sqlite", "SQLSTATE", ".go:"} {
				if strings.Contains(text, leak) {
					t.Errorf("problem leaks %q: %s", leak, text)
				}
			}
			if tt.status == 401 && res.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

// TestDependenciesDown: a database not reached yet and a pricing service
// that is down are 503 problems with Retry-After, and readiness fails;
// liveness does not.
func TestDependenciesDown(t *testing.T) {
	t.Parallel()
	e := start(t, &ordersdb.Gate{}, downPricer{})
	for _, tt := range []struct{ method, path string }{{"GET", "/orders/x"}, {"GET", "/orders"}, {"GET", "/reports/summary?from=2026-03-01&to=2026-03-01"}} {
		res := e.do(t, tt.method, tt.path, e.viewer, nil)
		if res.status != 503 || res.header.Get("Retry-After") == "" || strings.Contains(string(res.body), "reached") {
			t.Errorf("%s %s: %d %v %s, want a bare 503 with Retry-After", tt.method, tt.path, res.status, res.header, res.body)
		}
	}
	if res := e.do(t, "GET", "/readyz", "", nil); res.status != 503 {
		t.Errorf("readyz %d %s, want 503", res.status, res.body)
	}
	if res := e.do(t, "GET", "/healthz", "", nil); res.status != 200 {
		t.Errorf("healthz %d, want 200", res.status)
	}

	down := start(t, ordersdb.New(dbtest.NewSQLite(t, migrations.Set(), nil)), downPricer{})
	res := down.do(t, "POST", "/orders", down.editor, newOrder())
	if res.status != 503 || strings.Contains(string(res.body), "pricing down") {
		t.Errorf("create with pricing down: %d %s", res.status, res.body)
	}
	if !strings.Contains(down.logs.String(), "pricing down") {
		t.Error("the cause is not logged")
	}
}

// TestInternalErrorsHideTheCause: a failing store gives a bare 500 whose
// instance is the logged request id.
func TestInternalErrorsHideTheCause(t *testing.T) {
	t.Parallel()
	d := dbtest.NewSQLite(t, migrations.Set(), nil)
	e := start(t, ordersdb.New(d), pricing.Local{Rules: pricing.DefaultRules()})
	if _, err := d.SQL().Exec("DROP TABLE order_items"); err != nil {
		t.Fatal(err)
	}
	res := e.do(t, "GET", "/orders/x", e.viewer, nil)
	if res.status != 500 || strings.Contains(string(res.body), "order_items") {
		t.Fatalf("%d %s, want a 500 without the SQL error", res.status, res.body)
	}
	var p struct{ Instance string }
	res.json(t, &p)
	if p.Instance == "" || p.Instance != res.header.Get("X-Request-Id") || !strings.Contains(e.logs.String(), p.Instance) {
		t.Errorf("instance %q is not the logged request id %q", p.Instance, res.header.Get("X-Request-Id"))
	}
}
