package e2e

import (
	"bufio"
	"bytes"
	"context"
	"image/png"
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

// chromium is Debian's package (.ci/apt.d/web.txt).
const chromium = "/usr/bin/chromium"

// TestIntegrationBrowser starts the built mono binary's `dev` on free
// ports, then runs e2e.mjs in headless Chromium: sign in to the console,
// invalid input flagged inline, create an order, see it listed, cancel it,
// see the dashboard count it, and a console whose orders-api is down say
// so and retry. Screenshots go to .mono/artifacts/web-e2e/.
func TestIntegrationBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs mono dev and Chromium")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s is missing: install Debian's chromium (listed in .ci/apt.d/web.txt; .ci/run installs it)", chromium)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	root := repoRoot(t)
	npmReady(t, ctx, root)
	tmp := t.TempDir()
	mono := filepath.Join(tmp, "mono")
	run(t, ctx, root, nil, "go", "build", "-o", mono, "./build/cmd/mono")

	api, consoleAddr, dash, pricing := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	state := filepath.Join(tmp, "dev")
	cmd := exec.CommandContext(ctx, mono, "dev", "--dir", state, "--no-watch")
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"ORDERS_API__HTTP__LISTEN="+api, "ORDERS_API__HTTP__ADMIN_LISTEN="+freeAddr(t),
		"ORDERS_API__PRICING_URL=http://"+pricing,
		"PRICING__HTTP__LISTEN="+pricing, "PRICING__HTTP__ADMIN_LISTEN="+freeAddr(t),
		"CONSOLE__HTTP__LISTEN="+consoleAddr, "CONSOLE__ORDERS_API_URL=http://"+api,
		"SALES_DASH__LISTEN="+dash, "SALES_DASH__ORDERS_API_URL=http://"+api,
	)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
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
	urls := map[string]string{}
	var token string
	ready := make(chan struct{})
	urlLine := regexp.MustCompile(`^\s+(console|sales-dash|orders-api)\s+(http://\S+)$`)
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
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(60 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
			t.Errorf("mono dev did not stop within 60s of SIGINT")
		}
	}
	defer stop()

	select {
	case <-ready:
	case err := <-exited:
		stopped = true
		t.Fatalf("mono dev exited before it was ready: %v\n%s", err, logs())
	case <-time.After(10 * time.Minute):
		t.Fatalf("mono dev was not ready within 10 minutes:\n%s", logs())
	}
	mu.Lock()
	consoleURL, dashURL, tok := urls["console"], urls["sales-dash"], token
	mu.Unlock()
	if consoleURL != "http://"+consoleAddr || dashURL != "http://"+dash || tok == "" {
		t.Fatalf("mono dev printed console %q, dashboard %q, token %q; want the configured addresses and a token:\n%s", consoleURL, dashURL, tok, logs())
	}

	// A second console whose orders-api is down: nothing listens at its URL.
	down := freeAddr(t)
	dc := exec.CommandContext(ctx, filepath.Join(state, "bin", "console"), "--static-dir", filepath.Join(state, "console", "dist"))
	dc.Dir = root
	dc.Env = append(os.Environ(), "ENV=local", "CONFIG_DIR="+filepath.Join(root, "config"),
		"CONSOLE__HTTP__LISTEN="+down, "CONSOLE__HTTP__ADMIN_LISTEN=", "CONSOLE__ORDERS_API_URL=http://"+freeAddr(t))
	var downLogs bytes.Buffer
	dc.Stdout, dc.Stderr = &downLogs, &downLogs
	if err := dc.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = dc.Process.Signal(syscall.SIGINT); _ = dc.Wait() }()

	artifacts := filepath.Join(root, ".mono", "artifacts", "web-e2e")
	_ = os.RemoveAll(artifacts)
	e2e := exec.CommandContext(ctx, "node", filepath.Join(root, "web", "console", "e2e", "e2e.mjs"))
	e2e.Dir = root
	e2e.Env = append(os.Environ(), "CONSOLE_URL="+consoleURL, "DASH_URL="+dashURL, "TOKEN="+tok,
		"DOWN_CONSOLE_URL=http://"+down, "ARTIFACTS="+artifacts, "CHROMIUM="+chromium)
	out, err := e2e.CombinedOutput()
	t.Logf("e2e.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser test failed: %v (screenshots in %s)\nmono dev:\n%s\nconsole with API down:\n%s", err, artifacts, logs(), downLogs.String())
	}
	for _, name := range []string{"console.png", "console-created.png", "console-validation.png", "console-api-down.png", "dashboard.png"} {
		f, err := os.Open(filepath.Join(artifacts, name))
		if err != nil {
			t.Errorf("screenshot %s: %v", name, err)
			continue
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width < 800 || cfg.Height < 600 {
			t.Errorf("screenshot %s: %v, %dx%d", name, err, cfg.Width, cfg.Height)
		}
	}
	stop()
	if !strings.Contains(logs(), "all programs stopped") {
		t.Errorf("mono dev did not report stopping its programs:\n%s", logs())
	}
}
