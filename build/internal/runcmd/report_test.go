package runcmd

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/task"
)

func testNode(name, status string) *node {
	return &node{comp: &graph.Component{Name: name}, m: &task.Manifest{Target: "test"}, status: status, dur: 1200 * time.Millisecond}
}

func TestPlainLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    *node
		o    Options
		want string
	}{
		{name: "ok", n: testNode("orders-api", statusOK), want: "[3/12] ok      orders-api:test  1.2s\n"},
		{name: "cached", n: func() *node { n := testNode("pricing", statusCached); n.dur = 3 * time.Millisecond; return n }(),
			want: "[3/12] cached  pricing:test  3ms\n"},
		{name: "failed", n: func() *node { n := testNode("job", statusFailed); n.reason = "exit status 1"; return n }(),
			want: "[3/12] failed  job:test  1.2s (exit status 1)\n"},
		{name: "skipped", n: func() *node { n := testNode("dags", statusSkipped); n.reason = "dependency job:test failed"; return n }(),
			want: "[3/12] skipped dags:test  (dependency job:test failed)\n"},
		{name: "explain and verbose", o: Options{Explain: true, Verbose: true}, n: func() *node {
			n := testNode("lib", statusOK)
			n.changes = []task.Change{{Kind: "file-modified", Name: "libs/lib/a.go"}}
			n.log = []byte("line 1\nline 2")
			return n
		}(), want: "[3/12] ok      lib:test  1.2s\n  miss: file modified: libs/lib/a.go\nlib:test | line 1\nlib:test | line 2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			p := newPlainReporter(&b, cli.Style{}, 12, tt.o)
			p.finish(tt.n, 3)
			p.close()
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("line (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlainReporterBuffersHits(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := newPlainReporter(&b, cli.Style{}, 3, Options{})
	p.finish(testNode("a", statusCached), 1)
	if b.Len() != 0 {
		t.Errorf("a cache hit's line was written at once: %q", b.String())
	}
	p.finish(testNode("b", statusOK), 2)
	want := "[1/3] cached  a:test  1.2s\n[2/3] ok      b:test  1.2s\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("after a run task's line (-want +got):\n%s", diff)
	}
	p.finish(testNode("c", statusCached), 3)
	p.close()
	want += "[3/3] cached  c:test  1.2s\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("after close (-want +got):\n%s", diff)
	}
}

func TestLiveReporter(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	l := newLiveReporter(&syncWriter{w: &b}, cli.Style{}, 2, Options{})
	a, f := testNode("a", statusOK), testNode("f", statusFailed)
	f.reason = "exit status 1"
	l.start(a)
	l.start(f)
	l.finish(a, 1)
	l.finish(f, 2)
	l.close()
	out := b.String()
	for _, want := range []string{"[0/2] 2 running", "  a:test  ", "[2/2] failed  f:test  1.2s (exit status 1)\n", "[2/2] 0 running · 1 failed", "\033[J"} {
		if !strings.Contains(out, want) {
			t.Errorf("live output lacks %q:\n%q", want, out)
		}
	}
	if strings.Contains(out, "ok      a:test") {
		t.Errorf("a successful task was printed permanently:\n%q", out)
	}
	if !strings.HasSuffix(out, "\r\033[J") {
		t.Errorf("the block was not cleared at the end:\n%q", out)
	}
}

// syncWriter lets the reporter's ticker and the test write safely.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
