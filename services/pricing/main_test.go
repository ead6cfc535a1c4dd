package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	pricingv1 "github.com/acme/platform/services/pricing/gen/acme/pricing/v1"
	"github.com/acme/platform/services/pricing/gen/acme/pricing/v1/pricingv1connect"
)

// TestRunServesGRPC: the program, configured from a file, answers gRPC
// over cleartext HTTP/2 and /healthz, and stops cleanly.
func TestRunServesGRPC(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	yaml := "shared:\n  database: {driver: sqlite, dsn: unused.db}\npricing:\n  http: {listen: \"" + addr + "\", admin_listen: \"\"}\n"
	if err := os.WriteFile(filepath.Join(dir, "base.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CONFIG_DIR": dir}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return env[k] }, nil, io.Discard) }()

	base := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		select {
		case err := <-done:
			t.Fatalf("run returned: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("pricing did not answer /healthz")
		}
		time.Sleep(50 * time.Millisecond)
	}
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	client := pricingv1connect.NewPricingServiceClient(&http.Client{Transport: tr, Timeout: 5 * time.Second}, base, connect.WithGRPC())
	res, err := client.ListRegions(context.Background(), connect.NewRequest(&pricingv1.ListRegionsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range res.Msg.GetRegions() {
		names = append(names, r.GetName())
	}
	if !strings.Contains(strings.Join(names, ","), "eu-west") {
		t.Errorf("regions %v lack eu-west", names)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("run did not stop")
	}
}
