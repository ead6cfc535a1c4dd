package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/acme/platform/libs/business/pricing"
	"github.com/acme/platform/libs/db/dbtest"
	"github.com/acme/platform/libs/server"
	"github.com/acme/platform/libs/telemetry"
	"github.com/acme/platform/services/orders-api/auth"
	"github.com/acme/platform/services/orders-api/migrations"
	pricingv1 "github.com/acme/platform/services/pricing/gen/acme/pricing/v1"
	"github.com/acme/platform/services/pricing/gen/acme/pricing/v1/pricingv1connect"
	"github.com/acme/platform/services/pricing/pricingsvc"

	"github.com/acme/platform/libs/testenv"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

const testKey = "main-test-signing-key-0123456789abcdef"

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startRun runs the program with a base.yaml made of yaml until the test
// ends; it returns the API's base URL and the program's logs.
func startRun(t *testing.T, yaml string) (string, *testenv.SyncBuffer) {
	t.Helper()
	dir := t.TempDir()
	addr := freePort(t)
	yaml = strings.ReplaceAll(yaml, "LISTEN", addr)
	if err := os.WriteFile(filepath.Join(dir, "base.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CONFIG_DIR": dir, "ENV": "local"}
	logs := &testenv.SyncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return env[k] }, nil, logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("run did not return 30s after cancel")
		}
	})
	base := "http://" + addr
	waitFor(t, func() bool {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
		}
		return err == nil && res.StatusCode == 200
	}, done)
	return base, logs
}

func waitFor(t *testing.T, ok func() bool, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		select {
		case err := <-done:
			t.Fatalf("run returned early: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eventually reports whether ok holds within 5s (logs are flushed every
// 100ms).
func eventually(ok func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return true
		}
	}
	return ok()
}

func get(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestRunMissingDatabase: with no database to reach the program keeps
// serving, fails readiness, says why in its log, and stops cleanly.
func TestRunMissingDatabase(t *testing.T) {
	t.Parallel()
	closed := freePort(t)
	host, port, _ := net.SplitHostPort(closed)
	base, logs := startRun(t, fmt.Sprintf(`
shared:
  log: {level: info, format: json}
  database: {driver: postgres, host: %s, port: %s, name: orders, user: orders_app, password: pw, ssl_mode: disable, connect_timeout: 1s}
orders-api:
  http: {listen: LISTEN, admin_listen: ""}
  pricing_url: http://%s
  jwt: {signing_key: %s, issuer: acme-orders}
`, host, port, closed, testKey))
	waitFor(t, func() bool { return strings.Contains(logs.String(), "database unreachable") }, nil)
	if code := get(t, base+"/readyz"); code != 503 {
		t.Errorf("readyz %d, want 503", code)
	}
	if code := get(t, base+"/healthz"); code != 200 {
		t.Errorf("healthz %d, want 200", code)
	}
	line := ""
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "database unreachable") {
			line = l
		}
	}
	for _, want := range []string{"shared.database", "postgres orders_app@" + host + ":" + port, "retry_in"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %q: %s", want, line)
		}
	}
	if strings.Contains(logs.String(), `"pw"`) || strings.Contains(logs.String(), "password=pw") {
		t.Error("the log shows the password")
	}
}

// TestIntegrationCreateThroughPricingService: orders-api prices through a
// real pricing service (Connect over HTTP on loopback) and answers 503 when
// the service goes away.
func TestIntegrationCreateThroughPricingService(t *testing.T) {
	if testing.Short() {
		t.Skip("starts both services")
	}
	t.Parallel()
	mux := http.NewServeMux()
	mux.Handle(pricingsvc.New(pricing.DefaultRules()).Routes())
	plog, _ := telemetry.NewLogger(io.Discard, "pricing", telemetry.LogConfig{})
	psrv := server.New(server.Config{H2C: true}, plog, telemetry.NewRegistry("pricing", "test"), mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pctx, stopPricing := context.WithCancel(context.Background())
	pdone := make(chan error, 1)
	go func() { pdone <- psrv.Serve(pctx, ln, nil) }()
	t.Cleanup(func() { stopPricing(); <-pdone })

	dbPath := dbtest.NewSQLiteConfig(t, migrations.Set()).Path
	base, logs := startRun(t, fmt.Sprintf(`
shared:
  log: {level: info, format: json}
  database: {driver: sqlite, dsn: "file:%s"}
orders-api:
  http: {listen: LISTEN, admin_listen: ""}
  pricing_url: http://%s
  pricing_timeout: 500ms
  jwt: {signing_key: %s, issuer: acme-orders}
`, dbPath, ln.Addr(), testKey))
	waitFor(t, func() bool { return get(t, base+"/readyz") == 200 }, nil)

	tok, err := auth.Issue([]byte(testKey), "acme-orders", "t", []auth.Role{auth.Editor}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	create := func() (int, map[string]any) {
		body := `{"customer_id":"c1","region":"eu-central","items":[{"sku":"A","quantity":3,"unit_price_cents":20000}]}`
		req, _ := http.NewRequest("POST", base+"/orders", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	code, o := create()
	want, _ := pricing.DefaultRules().Price("eu-central", []pricing.Line{{SKU: "A", Quantity: 3, UnitPriceCents: 20000}})
	if code != 201 || o["total_cents"] != float64(want.TotalCents) || o["discount_cents"] != float64(want.DiscountCents) {
		t.Fatalf("create: %d %v, want 201 with total %d", code, o, want.TotalCents)
	}

	stopPricing()
	<-pdone
	pdone <- nil // for the cleanup
	code, o = create()
	if code != 503 {
		t.Errorf("create with pricing gone: %d %v, want 503\n%s", code, o, logs.String())
	}
	if code := get(t, base+"/readyz"); code != 503 {
		t.Errorf("readyz with pricing gone: %d, want 503", code)
	}
	if !eventually(func() bool { return strings.Contains(logs.String(), "dependency unavailable") }) {
		t.Error("the pricing failure is not logged")
	}
}

// slowPricing answers every quote after a long pause.
type slowPricing struct {
	pricingv1connect.UnimplementedPricingServiceHandler
	calls atomic.Int32
}

func (s *slowPricing) Quote(ctx context.Context, _ *connect.Request[pricingv1.QuoteRequest]) (*connect.Response[pricingv1.QuoteResponse], error) {
	s.calls.Add(1)
	select {
	case <-time.After(3 * time.Second):
		return connect.NewResponse(&pricingv1.QuoteResponse{}), nil
	case <-ctx.Done():
		// The propagated deadline passed: a real service fails the call
		// here rather than answering an empty quote the client could
		// still catch before its own deadline.
		return nil, connect.NewError(connect.CodeDeadlineExceeded, ctx.Err())
	}
}

// TestIntegrationSlowPricingHitsTheDeadline: a pricing service that does
// not answer in time costs a create its deadline per attempt and a few
// retries, then a 503, not a hung request.
func TestIntegrationSlowPricingHitsTheDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("starts both services")
	}
	t.Parallel()
	slow := &slowPricing{}
	mux := http.NewServeMux()
	mux.Handle(pricingv1connect.NewPricingServiceHandler(slow))
	plog, _ := telemetry.NewLogger(io.Discard, "pricing", telemetry.LogConfig{})
	psrv := server.New(server.Config{H2C: true, ShutdownTimeout: time.Second}, plog, telemetry.NewRegistry("pricing", "test"), mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pctx, stopPricing := context.WithCancel(context.Background())
	pdone := make(chan error, 1)
	go func() { pdone <- psrv.Serve(pctx, ln, nil) }()
	t.Cleanup(func() { stopPricing(); <-pdone })

	dbPath := dbtest.NewSQLiteConfig(t, migrations.Set()).Path
	base, _ := startRun(t, fmt.Sprintf(`
shared:
  database: {driver: sqlite, dsn: "file:%s"}
orders-api:
  http: {listen: LISTEN, admin_listen: ""}
  pricing_url: http://%s
  pricing_timeout: 100ms
  jwt: {signing_key: %s, issuer: acme-orders}
`, dbPath, ln.Addr(), testKey))
	tok, err := auth.Issue([]byte(testKey), "acme-orders", "t", []auth.Role{auth.Editor}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", base+"/orders", strings.NewReader(`{"customer_id":"c1","region":"eu-west","items":[{"sku":"A","quantity":1,"unit_price_cents":100}]}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	took := time.Since(start)
	if res.StatusCode != 503 || took > 2*time.Second {
		t.Errorf("create against a slow pricing: %d after %s, want 503 well under the service's 3s pause", res.StatusCode, took)
	}
	if n := slow.calls.Load(); n < 2 {
		t.Errorf("pricing was called %d times, want the retries too", n)
	}
}
