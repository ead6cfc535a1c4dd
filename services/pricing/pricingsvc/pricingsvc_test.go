package pricingsvc_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/acme/platform/libs/business/pricing"
	"github.com/acme/platform/libs/server"
	"github.com/acme/platform/libs/telemetry"
	pricingv1 "github.com/acme/platform/services/pricing/gen/acme/pricing/v1"
	"github.com/acme/platform/services/pricing/gen/acme/pricing/v1/pricingv1connect"
	"github.com/acme/platform/services/pricing/pricingsvc"
)

// serve runs the pricing handler behind libs/server with h2c on loopback.
func serve(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(pricingsvc.New(pricing.DefaultRules()).Routes())
	log, _ := telemetry.NewLogger(io.Discard, "pricing", telemetry.LogConfig{})
	srv := server.New(server.Config{H2C: true}, log, telemetry.NewRegistry("pricing", "test"), mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, ln, nil); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + ln.Addr().String()
}

func h2cClient() *http.Client {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func TestQuoteOverEveryProtocol(t *testing.T) {
	t.Parallel()
	url := serve(t)
	clients := map[string]pricingv1connect.PricingServiceClient{
		"connect":      pricingv1connect.NewPricingServiceClient(http.DefaultClient, url),
		"connect json": pricingv1connect.NewPricingServiceClient(http.DefaultClient, url, connect.WithProtoJSON()),
		"grpc":         pricingv1connect.NewPricingServiceClient(h2cClient(), url, connect.WithGRPC()),
		"grpc-web":     pricingv1connect.NewPricingServiceClient(http.DefaultClient, url, connect.WithGRPCWeb()),
	}
	want, _ := pricing.DefaultRules().Price("eu-central", []pricing.Line{{SKU: "A", Quantity: 3, UnitPriceCents: 200_00}})
	for name, c := range clients {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res, err := c.Quote(context.Background(), connect.NewRequest(&pricingv1.QuoteRequest{
				Region: "eu-central", Lines: []*pricingv1.Line{{Sku: "A", Quantity: 3, UnitPriceCents: 200_00}},
			}))
			if err != nil {
				t.Fatal(err)
			}
			got := res.Msg
			if got.GetTotalCents() != want.TotalCents || got.GetDiscountBp() != want.DiscountBP || got.GetTaxCents() != want.TaxCents {
				t.Errorf("quote = %v, want %+v", got, want)
			}
		})
	}
}

func TestQuoteInvalidArgument(t *testing.T) {
	t.Parallel()
	c := pricingv1connect.NewPricingServiceClient(http.DefaultClient, serve(t))
	tests := map[string]*pricingv1.QuoteRequest{
		"unknown region": {Region: "mars", Lines: []*pricingv1.Line{{Sku: "A", Quantity: 1}}},
		"no lines":       {Region: "us-east"},
		"zero quantity":  {Region: "us-east", Lines: []*pricingv1.Line{{Sku: "A", Quantity: 0}}},
	}
	for name, req := range tests {
		_, err := c.Quote(context.Background(), connect.NewRequest(req))
		if connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("%s: %v, want invalid_argument", name, err)
		}
	}
}

func TestListRegions(t *testing.T) {
	t.Parallel()
	c := pricingv1connect.NewPricingServiceClient(http.DefaultClient, serve(t))
	res, err := c.ListRegions(context.Background(), connect.NewRequest(&pricingv1.ListRegionsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Msg.GetRegions()); n != len(pricing.DefaultRules().Regions) || res.Msg.GetRegions()[0].GetName() != "ap-south" {
		t.Errorf("regions = %v", res.Msg.GetRegions())
	}
}
