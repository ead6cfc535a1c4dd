package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acme/platform/build/internal/fixture"
	"github.com/acme/platform/libs/testenv"
)

// buildMono compiles the real binary once per test.
func buildMono(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mono")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func runBin(t *testing.T, dir, bin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return out.String(), errOut.String(), code
}

// TestIntegrationBinary drives the built mono end to end: in a fixture
// repository from a subfolder, and in this repository itself.
func TestIntegrationBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: builds and runs the mono binary")
	}
	bin := buildMono(t)

	dir := fixture.Repo(t, fixture.Polyglot())
	fixture.Write(t, dir, map[string]string{"libs/a/a.go": "package a\n// changed\n"})
	fixture.Commit(t, dir, "change a")
	out, errOut, code := runBin(t, filepath.Join(dir, "web", "app"), bin, "affected", "--base", "HEAD~1", "--json")
	if code != 0 {
		t.Fatalf("affected: exit %d\n%s", code, errOut)
	}
	var res struct {
		Affected []struct{ Name string } `json:"affected"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("affected output is not JSON: %v\n%s", err, out)
	}
	if len(res.Affected) != 2 || res.Affected[0].Name != "a" || res.Affected[1].Name != "api" {
		t.Errorf("affected = %+v, want a and api", res.Affected)
	}

	_, errOut, code = runBin(t, dir, bin, "why", "api", "nothing")
	if code != 2 || !strings.Contains(errOut, `unknown component "nothing"`) {
		t.Errorf("why unknown: exit %d, %q", code, errOut)
	}

	// The repository itself: the acceptance command of the foundation issue.
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".git")); err == nil {
		out, errOut, code = runBin(t, root, bin, "affected", "--base", "HEAD~1", "--json")
		if code != 0 || !json.Valid([]byte(out)) {
			t.Errorf("affected in this repository: exit %d, valid JSON %v\n%s", code, json.Valid([]byte(out)), errOut)
		}
	}
}

// TestIntegrationGraphHTMLInChromium opens the HTML graph in headless
// Chromium, checks that the script drew every component, and saves a
// screenshot under .mono/artifacts.
func TestIntegrationGraphHTMLInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs Chromium")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: apt-get install chromium (.ci/run does this)")
	}
	bin := buildMono(t)
	dir := fixture.Repo(t, fixture.Polyglot())
	html, errOut, code := runBin(t, dir, bin, "graph", "--format", "html")
	if code != 0 {
		t.Fatalf("graph html: exit %d\n%s", code, errOut)
	}
	if strings.Contains(html, "http://") && !strings.Contains(html, "http://www.w3.org/2000/svg") || strings.Contains(html, "https://") {
		t.Error("the page must be self-contained: it references a network address")
	}
	page := filepath.Join(t.TempDir(), "graph.html")
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	chrome := func(args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
			"--user-data-dir=" + t.TempDir()}
		out, err := exec.CommandContext(ctx, chromium, append(base, args...)...).Output()
		if err != nil {
			t.Fatalf("chromium %v: %v", args, err)
		}
		return string(out)
	}
	dom := chrome("--dump-dom", "file://"+page+"#job")
	if !strings.Contains(dom, `data-rendered="true"`) {
		t.Fatalf("the page script did not finish rendering:\n%.2000s", dom)
	}
	nodes := regexp.MustCompile(`<g class="node[^"]*" [^>]*data-name="([^"]+)"`).FindAllStringSubmatch(dom, -1)
	if len(nodes) != 12 {
		t.Errorf("drew %d components, want 12", len(nodes))
	}
	// The #job filter dims what is unrelated to job: job's dependency b and
	// its dependent dags stay, the web apps are dimmed.
	for name, wantDim := range map[string]bool{"job": false, "b": false, "dags": false, "@shop/app": true, "infra-dev": true} {
		re := regexp.MustCompile(`<g class="node([^"]*)" [^>]*data-name="` + regexp.QuoteMeta(name) + `"`)
		m := re.FindStringSubmatch(dom)
		if m == nil {
			t.Errorf("node %s not drawn", name)
			continue
		}
		if dim := strings.Contains(m[1], "dim"); dim != wantDim {
			t.Errorf("node %s dimmed = %v, want %v", name, dim, wantDim)
		}
	}
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	artifacts := filepath.Join(root, ".mono", "artifacts")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artifacts, "graph.png")
	chrome("--screenshot="+shot, "--window-size=1400,700", "file://"+page)
	if st, err := os.Stat(shot); err != nil || st.Size() < 5000 {
		t.Errorf("screenshot %s missing or empty: %v", shot, err)
	}

	// mono run --graph --format html is the same page with tasks as boxes.
	tasksJSON, errOut, code := runBin(t, dir, bin, "run", "build", "--graph", "--json")
	var tg struct{ Tasks []struct{ ID string } }
	if code != 0 || json.Unmarshal([]byte(tasksJSON), &tg) != nil || len(tg.Tasks) == 0 {
		t.Fatalf("run build --graph --json: exit %d\n%s%s", code, tasksJSON, errOut)
	}
	html, errOut, code = runBin(t, dir, bin, "run", "build", "--graph", "--format", "html")
	if code != 0 {
		t.Fatalf("run --graph html: exit %d\n%s", code, errOut)
	}
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	dom = chrome("--dump-dom", "file://"+page)
	nodes = regexp.MustCompile(`<g class="node[^"]*" [^>]*data-name="([^"]+)"`).FindAllStringSubmatch(dom, -1)
	if !strings.Contains(dom, `data-rendered="true"`) || len(nodes) != len(tg.Tasks) {
		t.Errorf("run --graph html drew %d tasks, want %d (rendered: %v)", len(nodes), len(tg.Tasks), strings.Contains(dom, `data-rendered="true"`))
	}
}
