// Package pricingclient calls the pricing service for orders-api: every call
// has a deadline, transient failures are retried with backoff, and a circuit
// breaker stops calling a service that keeps failing. It satisfies the
// Pricer interface of libs/business/orders.
package pricingclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/sony/gobreaker/v2"

	"github.com/acme/platform/libs/business/pricing"
	pricingv1 "github.com/acme/platform/services/pricing/gen/acme/pricing/v1"
	"github.com/acme/platform/services/pricing/gen/acme/pricing/v1/pricingv1connect"
)

// Config tunes the client.
type Config struct {
	// URL of the pricing service, e.g. http://127.0.0.1:8081.
	URL string
	// Timeout bounds each attempt (default 2s).
	Timeout time.Duration
	// Attempts is the number of tries for transient errors (default 3).
	Attempts int
	// Backoff is the first retry delay, doubled each time (default 50ms).
	Backoff time.Duration
	// BreakerFailures consecutive failures open the breaker (default 5);
	// it stays open for BreakerOpenFor (default 10s).
	BreakerFailures uint32
	BreakerOpenFor  time.Duration
}

// ErrUnavailable means the pricing service could not be reached or the
// breaker is open; orders-api maps it to 503.
var ErrUnavailable = errors.New("pricing service unavailable")

// Client is a resilient pricing client.
type Client struct {
	cfg     Config
	rpc     pricingv1connect.PricingServiceClient
	breaker *gobreaker.CircuitBreaker[*pricingv1.QuoteResponse]
}

// New returns a client using httpClient (nil: a default with no global timeout;
// per-attempt deadlines come from Config.Timeout).
func New(cfg Config, httpClient connect.HTTPClient) (*Client, error) {
	if cfg.URL == "" {
		return nil, errors.New("pricing client: URL is required")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.Attempts == 0 {
		cfg.Attempts = 3
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 50 * time.Millisecond
	}
	if cfg.BreakerFailures == 0 {
		cfg.BreakerFailures = 5
	}
	if cfg.BreakerOpenFor == 0 {
		cfg.BreakerOpenFor = 10 * time.Second
	}
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	c := &Client{cfg: cfg, rpc: pricingv1connect.NewPricingServiceClient(httpClient, cfg.URL)}
	c.breaker = gobreaker.NewCircuitBreaker[*pricingv1.QuoteResponse](gobreaker.Settings{
		Name:    "pricing",
		Timeout: cfg.BreakerOpenFor,
		ReadyToTrip: func(counts gobreaker.Counts) bool {
			return counts.ConsecutiveFailures >= cfg.BreakerFailures
		},
		// Only transient failures count against the service.
		IsSuccessful: func(err error) bool { return err == nil || !transient(err) },
	})
	return c, nil
}

// Price implements orders.Pricer.
func (c *Client) Price(ctx context.Context, region string, lines []pricing.Line) (pricing.Quote, error) {
	req := &pricingv1.QuoteRequest{Region: region}
	for _, l := range lines {
		req.Lines = append(req.Lines, &pricingv1.Line{Sku: l.SKU, Quantity: l.Quantity, UnitPriceCents: l.UnitPriceCents})
	}
	res, err := c.breaker.Execute(func() (*pricingv1.QuoteResponse, error) { return c.quoteWithRetry(ctx, req) })
	switch {
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return pricing.Quote{}, fmt.Errorf("%w: circuit open after repeated failures", ErrUnavailable)
	case err != nil && connect.CodeOf(err) == connect.CodeInvalidArgument:
		// The service's message says what is wrong; keep the domain sentinel.
		var ce *connect.Error
		msg := err.Error()
		if errors.As(err, &ce) {
			msg = ce.Message()
		}
		if strings.Contains(msg, pricing.ErrUnknownRegion.Error()) {
			return pricing.Quote{}, fmt.Errorf("%w: %s", pricing.ErrUnknownRegion, msg)
		}
		return pricing.Quote{}, fmt.Errorf("%w: %s", pricing.ErrInvalidLine, msg)
	case err != nil && transient(err):
		return pricing.Quote{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	case err != nil:
		return pricing.Quote{}, fmt.Errorf("pricing: %w", err)
	}
	return pricing.Quote{
		SubtotalCents: res.GetSubtotalCents(), DiscountBP: res.GetDiscountBp(), DiscountCents: res.GetDiscountCents(),
		TaxBP: res.GetTaxBp(), TaxCents: res.GetTaxCents(), TotalCents: res.GetTotalCents(),
	}, nil
}

func (c *Client) quoteWithRetry(ctx context.Context, req *pricingv1.QuoteRequest) (*pricingv1.QuoteResponse, error) {
	delay := c.cfg.Backoff
	var last error
	for attempt := 1; attempt <= c.cfg.Attempts; attempt++ {
		actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		res, err := c.rpc.Quote(actx, connect.NewRequest(req))
		cancel()
		if err == nil {
			return res.Msg, nil
		}
		if connect.CodeOf(err) == connect.CodeCanceled && ctx.Err() == nil {
			// The caller is still waiting, so nobody cancelled: a kept-alive
			// connection that the service closed (a restart) broke under
			// the call. That is transient; the next attempt dials afresh.
			err = connect.NewError(connect.CodeUnavailable, err)
		}
		last = err
		if !transient(err) || ctx.Err() != nil || attempt == c.cfg.Attempts {
			break
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		delay *= 2
	}
	return nil, last
}

// transient reports whether a retry may succeed.
func transient(err error) bool {
	switch connect.CodeOf(err) {
	case connect.CodeUnavailable, connect.CodeDeadlineExceeded, connect.CodeResourceExhausted, connect.CodeAborted:
		return true
	}
	return false
}
