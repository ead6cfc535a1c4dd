package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/platform/libs/server"
	"github.com/acme/platform/libs/telemetry"

	"github.com/acme/platform/libs/testenv"
)

type harness struct {
	url    string
	logs   *testenv.SyncBuffer
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, app http.Handler, checks ...server.Check) *harness {
	t.Helper()
	logs := &testenv.SyncBuffer{}
	log, err := telemetry.NewLogger(logs, "test", telemetry.LogConfig{Level: "debug"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{MaxBodyBytes: 1024, ShutdownTimeout: 5 * time.Second}, log, telemetry.NewRegistry("test", "v0"), app, checks...)
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{url: "http://" + ln.Addr().String(), logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- srv.Serve(ctx, ln, nil) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	return h
}

func get(t *testing.T, url string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func app() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "order "+r.PathValue("id"))
	})
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("secret internals") })
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			server.WriteProblem(w, r, http.StatusRequestEntityTooLarge, "too large")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(400 * time.Millisecond)
		_, _ = io.WriteString(w, "finished")
	})
	return mux
}

func TestPlumbingEndpoints(t *testing.T) {
	t.Parallel()
	h := start(t, app())
	if resp, body := get(t, h.url+"/healthz"); resp.StatusCode != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("healthz: %d %s", resp.StatusCode, body)
	}
	if resp, body := get(t, h.url+"/orders/42"); resp.StatusCode != 200 || body != "order 42" {
		t.Errorf("app route: %d %s", resp.StatusCode, body)
	}
	_, metrics := get(t, h.url+"/metrics")
	for _, want := range []string{
		`http_requests_total{code="200",method="GET",route="GET /orders/{id}"} 1`,
		`http_request_duration_seconds_count{method="GET",route="GET /orders/{id}"} 1`,
		`acme_build_info{`, "go_goroutines", "process_resident_memory_bytes",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(metrics, `route="/orders/42"`) {
		t.Error("metrics are labelled by raw path: unbounded cardinality")
	}
}

func TestReadiness(t *testing.T) {
	t.Parallel()
	var fail bool
	var mu sync.Mutex
	h := start(t, app(), server.Check{Name: "database", Fn: func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			return errors.New("dial postgres://app:hunter2@db: connection refused")
		}
		return nil
	}})
	if resp, body := get(t, h.url+"/readyz"); resp.StatusCode != 200 || !strings.Contains(body, `"database":"ok"`) {
		t.Errorf("ready: %d %s", resp.StatusCode, body)
	}
	mu.Lock()
	fail = true
	mu.Unlock()
	resp, body := get(t, h.url+"/readyz")
	if resp.StatusCode != 503 || !strings.Contains(body, `"database":"failing"`) {
		t.Errorf("not ready: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(body, "hunter2") {
		t.Error("readyz leaks the check's error text")
	}
	if !strings.Contains(h.logs.String(), "readiness check failing") {
		t.Error("the failing check is not logged")
	}
}

func TestPanicBecomesProblem(t *testing.T) {
	t.Parallel()
	h := start(t, app())
	resp, body := get(t, h.url+"/boom", server.RequestIDHeader, "req-123")
	if resp.StatusCode != 500 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("panic: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var p server.Problem
	if err := json.Unmarshal([]byte(body), &p); err != nil || p.Status != 500 || p.Instance != "req-123" {
		t.Errorf("problem = %+v (%v)", p, err)
	}
	if strings.Contains(body, "secret internals") || strings.Contains(body, "goroutine") {
		t.Errorf("the response leaks the panic: %s", body)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "secret internals") || !strings.Contains(logs, `"request_id":"req-123"`) {
		t.Errorf("the panic is not logged with its request id:\n%s", logs)
	}
	// The server still serves after a panic.
	if resp, _ := get(t, h.url+"/healthz"); resp.StatusCode != 200 {
		t.Error("server down after a panic")
	}
}

func TestRequestIDAndBodyLimit(t *testing.T) {
	t.Parallel()
	h := start(t, app())
	resp, _ := get(t, h.url+"/healthz", server.RequestIDHeader, "bad id with spaces")
	if id := resp.Header.Get(server.RequestIDHeader); id == "" || strings.Contains(id, " ") {
		t.Errorf("generated request id = %q", id)
	}
	big := strings.Repeat("x", 2048)
	r, err := http.Post(h.url+"/echo", "text/plain", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d, want 413", r.StatusCode)
	}
	// Without Content-Length the limit still holds while reading.
	req, _ := http.NewRequest(http.MethodPost, h.url+"/echo", io.NopCloser(strings.NewReader(big)))
	req.ContentLength = -1
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked oversized body: %d, want 413", r2.StatusCode)
	}
}

func TestGracefulShutdownDrains(t *testing.T) {
	t.Parallel()
	h := start(t, app())
	type result struct {
		code int
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get(h.url + "/slow")
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		res <- result{code: resp.StatusCode, body: string(b)}
	}()
	time.Sleep(100 * time.Millisecond) // the slow request is in flight
	h.cancel()
	r := <-res
	if r.err != nil || r.code != 200 || r.body != "finished" {
		t.Errorf("in-flight request during shutdown: %+v", r)
	}
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("Serve returned %v", err)
		}
		h.done <- nil // for the cleanup
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after draining")
	}
	if _, err := http.Get(h.url + "/healthz"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

func TestLoggerCarriesTraceID(t *testing.T) {
	// Not parallel: it installs the global tracer provider.
	spansOut := &testenv.SyncBuffer{}
	stop, err := telemetry.SetupTracing(context.Background(), "test", "v0", telemetry.TraceConfig{Exporter: "stdout"}, spansOut)
	if err != nil {
		t.Fatal(err)
	}
	defer stop(context.Background())
	h := start(t, app())
	get(t, h.url+"/orders/7", "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	if !strings.Contains(h.logs.String(), `"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"`) {
		t.Errorf("access log lacks the propagated trace id:\n%s", h.logs.String())
	}
	if err := stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if spans := spansOut.String(); !strings.Contains(spans, `"Name":"GET /orders/{id}"`) || strings.Contains(spans, `"Name":"GET /orders/7"`) {
		t.Errorf("the span is not named by its route:\n%.2000s", spans)
	}
}

func TestLoggerConfigErrors(t *testing.T) {
	t.Parallel()
	for _, cfg := range []telemetry.LogConfig{{Level: "loud"}, {Format: "xml"}} {
		if _, err := telemetry.NewLogger(io.Discard, "x", cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	if _, err := telemetry.SetupTracing(context.Background(), "x", "v", telemetry.TraceConfig{Exporter: "zipkin"}, io.Discard); err == nil {
		t.Error("unknown exporter: no error")
	}
}
