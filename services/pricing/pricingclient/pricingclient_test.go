package pricingclient_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/platform/libs/business/pricing"
	"github.com/acme/platform/services/pricing/pricingclient"
	"github.com/acme/platform/services/pricing/pricingsvc"
)

// flaky serves the real pricing handler, failing the first n requests with
// 503 and delaying every request by delay.
func flaky(t *testing.T, n int32, delay time.Duration) (string, *atomic.Int32) {
	t.Helper()
	path, h := pricingsvc.New(pricing.DefaultRules()).Routes()
	var calls atomic.Int32
	mux := http.NewServeMux()
	mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := calls.Add(1)
		time.Sleep(delay)
		if c <= n {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), &calls
}

var lines = []pricing.Line{{SKU: "A", Quantity: 2, UnitPriceCents: 60_00}}

func TestPriceMatchesLocalRules(t *testing.T) {
	t.Parallel()
	url, _ := flaky(t, 0, 0)
	c, err := pricingclient.New(pricingclient.Config{URL: url}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Price(context.Background(), "us-west", lines)
	want, _ := pricing.DefaultRules().Price("us-west", lines)
	if err != nil || got != want {
		t.Fatalf("Price = %+v, %v; want %+v", got, err, want)
	}
	if _, err := c.Price(context.Background(), "mars", lines); !errors.Is(err, pricing.ErrUnknownRegion) {
		t.Errorf("unknown region: %v", err)
	}
	if _, err := c.Price(context.Background(), "us-west", []pricing.Line{{SKU: "A", Quantity: -1}}); !errors.Is(err, pricing.ErrInvalidLine) {
		t.Errorf("invalid line: %v", err)
	}
}

func TestRetriesTransientFailures(t *testing.T) {
	t.Parallel()
	url, calls := flaky(t, 2, 0)
	c, _ := pricingclient.New(pricingclient.Config{URL: url, Attempts: 3, Backoff: time.Millisecond}, nil)
	if _, err := c.Price(context.Background(), "us-east", lines); err != nil {
		t.Fatalf("Price after two transient failures: %v", err)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("calls = %d, want 3", n)
	}
}

func TestDeadlinePerAttempt(t *testing.T) {
	t.Parallel()
	url, calls := flaky(t, 0, 300*time.Millisecond)
	c, _ := pricingclient.New(pricingclient.Config{URL: url, Timeout: 50 * time.Millisecond, Attempts: 2, Backoff: time.Millisecond}, nil)
	start := time.Now()
	_, err := c.Price(context.Background(), "us-east", lines)
	if !errors.Is(err, pricingclient.ErrUnavailable) {
		t.Fatalf("slow service: %v, want ErrUnavailable", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %v: the deadline did not hold", el)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("calls = %d, want 2 attempts", n)
	}
}

func TestCircuitBreakerOpens(t *testing.T) {
	t.Parallel()
	url, calls := flaky(t, 1000, 0)
	c, _ := pricingclient.New(pricingclient.Config{URL: url, Attempts: 1, BreakerFailures: 3, BreakerOpenFor: time.Minute}, nil)
	for i := 0; i < 3; i++ {
		if _, err := c.Price(context.Background(), "us-east", lines); !errors.Is(err, pricingclient.ErrUnavailable) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	before := calls.Load()
	_, err := c.Price(context.Background(), "us-east", lines)
	if !errors.Is(err, pricingclient.ErrUnavailable) || !strings.Contains(err.Error(), "circuit open") {
		t.Fatalf("after 3 failures: %v, want the open circuit", err)
	}
	if calls.Load() != before {
		t.Error("the open circuit still called the service")
	}
}

func TestInvalidArgumentsDoNotTripTheBreaker(t *testing.T) {
	t.Parallel()
	url, _ := flaky(t, 0, 0)
	c, _ := pricingclient.New(pricingclient.Config{URL: url, BreakerFailures: 2}, nil)
	for i := 0; i < 5; i++ {
		_, _ = c.Price(context.Background(), "mars", lines)
	}
	if _, err := c.Price(context.Background(), "us-east", lines); err != nil {
		t.Fatalf("valid call after client errors: %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	url := "http://" + ln.Addr().String()
	ln.Close()
	c, _ := pricingclient.New(pricingclient.Config{URL: url, Attempts: 2, Backoff: time.Millisecond}, nil)
	if _, err := c.Price(context.Background(), "us-east", lines); !errors.Is(err, pricingclient.ErrUnavailable) {
		t.Fatalf("unreachable: %v", err)
	}
	if _, err := pricingclient.New(pricingclient.Config{}, nil); err == nil {
		t.Error("empty URL: no error")
	}
}

// brokenOnce fails the first request as a broken kept-alive connection does.
type brokenOnce struct {
	calls atomic.Int32
}

func (b *brokenOnce) Do(r *http.Request) (*http.Response, error) {
	if b.calls.Add(1) == 1 {
		return nil, context.Canceled
	}
	return http.DefaultClient.Do(r)
}

func TestBrokenConnectionIsRetried(t *testing.T) {
	t.Parallel()
	url, _ := flaky(t, 0, 0)
	tr := &brokenOnce{}
	c, _ := pricingclient.New(pricingclient.Config{URL: url, Backoff: time.Millisecond}, tr)
	if _, err := c.Price(context.Background(), "us-east", lines); err != nil {
		t.Fatalf("a call over a broken kept-alive connection was not retried: %v", err)
	}
	if n := tr.calls.Load(); n != 2 {
		t.Errorf("transport calls = %d, want 2", n)
	}
	// A caller that really cancelled gets no retry.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Price(ctx, "us-east", lines); err == nil {
		t.Error("a cancelled call succeeded")
	}
}
