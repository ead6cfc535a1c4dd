package devcmd_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestIntegrationMonoDev runs the built mono binary's `dev` on free ports
// with its state in a temporary folder, waits for the printed URLs, creates
// and reads an order through the API with the printed token, then stops it
// with SIGINT and checks that every program exited.
func TestIntegrationMonoDev(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every local program")
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	mono := filepath.Join(tmp, "mono")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", mono, "./build/cmd/mono")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build mono: %v\n%s", err, out)
	}

	api, apiAdmin, pricing, pricingAdmin := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	state := filepath.Join(tmp, "dev")
	cmd := exec.CommandContext(ctx, mono, "dev", "--dir", state)
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"ORDERS_API__HTTP__LISTEN="+api, "ORDERS_API__HTTP__ADMIN_LISTEN="+apiAdmin,
		"ORDERS_API__PRICING_URL=http://"+pricing,
		"PRICING__HTTP__LISTEN="+pricing, "PRICING__HTTP__ADMIN_LISTEN="+pricingAdmin,
		// The console and the dashboard start too: free ports, so that this
		// test never meets another mono dev (the browser test) on defaults.
		"CONSOLE__HTTP__LISTEN="+freeAddr(t), "CONSOLE__ORDERS_API_URL=http://"+api,
		"SALES_DASH__LISTEN="+freeAddr(t), "SALES_DASH__ORDERS_API_URL=http://"+api,
	)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var all strings.Builder
	ready := make(chan struct{})
	urls := map[string]string{}
	var token string
	urlLine := regexp.MustCompile(`^\s+(orders-api|pricing)\s+(http://\S+)$`)
	tokenLine := regexp.MustCompile(`^\s+token\s+(\S+)$`)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		closed := false
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			all.WriteString(line + "\n")
			if m := urlLine.FindStringSubmatch(line); m != nil {
				urls[m[1]] = m[2]
			}
			if m := tokenLine.FindStringSubmatch(line); m != nil {
				token = m[1]
			}
			if !closed && strings.HasPrefix(strings.TrimSpace(line), "state in") {
				closed = true
				close(ready)
			}
			mu.Unlock()
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	logs := func() string {
		mu.Lock()
		defer mu.Unlock()
		return all.String()
	}
	select {
	case <-ready:
	case err := <-exited:
		t.Fatalf("mono dev exited before it was ready: %v\n%s", err, logs())
	case <-time.After(6 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("mono dev was not ready within 6 minutes:\n%s", logs())
	}

	mu.Lock()
	base, pricingURL, tok := urls["orders-api"], urls["pricing"], token
	mu.Unlock()
	if base != "http://"+api || pricingURL != "http://"+pricing || tok == "" {
		t.Fatalf("printed orders-api %q, pricing %q, token %q; want the configured addresses and a token:\n%s", base, pricingURL, tok, logs())
	}
	for _, u := range []string{base + "/healthz", pricingURL + "/healthz", base + "/openapi.json"} {
		res, err := http.Get(u)
		if err != nil || res.StatusCode != 200 {
			t.Errorf("GET %s: %v %v", u, err, res)
		}
		if err == nil {
			res.Body.Close()
		}
	}

	call := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		return res.StatusCode, m
	}
	code, created := call("POST", "/orders", `{"customer_id":"it-1","region":"eu-west","items":[{"sku":"IT-1","quantity":2,"unit_price_cents":1000}]}`)
	if code != 201 {
		t.Fatalf("create: %d %v", code, created)
	}
	code, got := call("GET", fmt.Sprintf("/orders/%v", created["id"]), "")
	if code != 200 || got["id"] != created["id"] || got["total_cents"] != created["total_cents"] {
		t.Errorf("get: %d %v, want %v", code, got, created)
	}
	code, page := call("GET", "/orders?limit=100", "")
	if orders, _ := page["orders"].([]any); code != 200 || len(orders) < 2 {
		t.Errorf("list: %d, want the seed orders and ours: %v", code, page)
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("mono dev exited with %v after SIGINT:\n%s", err, logs())
		}
	case <-time.After(90 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("mono dev did not exit within 90s of SIGINT:\n%s", logs())
	}
	if !strings.Contains(logs(), "all programs stopped") {
		t.Errorf("mono dev did not report stopping its programs:\n%s", logs())
	}
	// No process runs a binary from the dev folder, and nothing listens.
	procs, _ := filepath.Glob("/proc/[0-9]*/exe")
	for _, p := range procs {
		if exe, err := os.Readlink(p); err == nil && strings.HasPrefix(exe, state) {
			t.Errorf("%s still runs %s", filepath.Dir(p), exe)
		}
	}
	for _, a := range []string{api, pricing, apiAdmin, pricingAdmin} {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections", a)
		}
	}
}
