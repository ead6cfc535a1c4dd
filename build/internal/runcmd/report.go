package runcmd

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/task"
)

// reporter shows progress while tasks run.
type reporter interface {
	start(n *node)
	finish(n *node, done int)
	close()
}

// newReporter picks the live view for a terminal and plain lines otherwise
// (CI, pipes, tests). With --json, progress goes to stderr as plain lines.
func newReporter(deps cli.Deps, o Options, total int) reporter {
	streams := deps.IO
	if o.JSON {
		return newPlainReporter(streams.ErrOut, deps.Style(streams.ErrOut), total, o)
	}
	if f, ok := streams.Out.(*os.File); ok && term.IsTerminal(int(f.Fd())) && deps.Getenv("CI") == "" {
		return newLiveReporter(f, deps.Style(f), total, o)
	}
	return newPlainReporter(streams.Out, deps.Style(streams.Out), total, o)
}

// paint colours a task status for people: ok green, cached grey, failed
// red, skipped yellow.
func paint(st cli.Style, status string) string {
	switch status {
	case statusOK:
		return st.OK(status)
	case statusCached:
		return st.Dim(status)
	case statusFailed:
		return st.Fail(status)
	case statusSkipped:
		return st.Warn(status)
	}
	return status
}

// plainReporter prints one line per finished task:
// [3/12] ok      orders-api:test  1.2s
// The lines of cache hits are buffered (hundreds come within milliseconds)
// and written with the next other line, at the latest plainFlushEvery
// after the first of them, or at the end.
type plainReporter struct {
	mu      sync.Mutex
	w       *bufio.Writer
	st      cli.Style
	total   int
	o       Options
	pending time.Time // when the oldest buffered line was written; zero: none
}

// plainFlushEvery bounds how long a buffered line waits for the next one.
const plainFlushEvery = 100 * time.Millisecond

func newPlainReporter(w io.Writer, st cli.Style, total int, o Options) *plainReporter {
	return &plainReporter{w: bufio.NewWriter(w), st: st, total: total, o: o}
}

func (p *plainReporter) start(*node) {}

func (p *plainReporter) finish(n *node, done int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	writeFinished(p.w, p.st, n, done, p.total, p.o)
	now := time.Now()
	if p.pending.IsZero() {
		p.pending = now
	}
	if n.status != statusCached || now.Sub(p.pending) >= plainFlushEvery {
		p.w.Flush()
		p.pending = time.Time{}
	}
}

func (p *plainReporter) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.w.Flush()
}

// writeFinished writes a task's line and what goes with it: warnings, the
// explanation of a miss, and with --verbose the log.
func writeFinished(w io.Writer, st cli.Style, n *node, done, total int, o Options) {
	detail := fmtDur(n.dur)
	switch {
	case n.status == statusSkipped:
		detail = "(" + n.reason + ")"
	case n.status == statusFailed:
		detail += " (" + n.reason + ")"
	}
	fmt.Fprintf(w, "[%d/%d] %s %s  %s\n", done, total, st.Pad(paint(st, n.status), 7), n.name(), detail)
	if n.warn != "" {
		fmt.Fprintf(w, "  %s %s\n", st.Warn("warning:"), n.warn)
	}
	if o.Explain {
		for _, c := range n.changes {
			fmt.Fprintf(w, "  miss: %s\n", c)
		}
	}
	if o.Verbose && len(n.log) > 0 {
		writeLog(w, n)
	}
}

// writeLog writes a task's log, each line prefixed with the task's name.
func writeLog(w io.Writer, n *node) {
	sc := bufio.NewScanner(bytes.NewReader(n.log))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for sc.Scan() {
		fmt.Fprintf(w, "%s | %s\n", n.name(), sc.Text())
	}
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// liveReporter redraws a small status block in place on a terminal: done
// and total, failures, elapsed time and the running tasks. Failures (and,
// with --verbose or --explain, every task) are printed above the block.
type liveReporter struct {
	mu      sync.Mutex
	w       io.Writer
	st      cli.Style
	total   int
	o       Options
	started time.Time
	running map[*node]time.Time
	done    int
	failed  int
	lines   int // lines of the block on screen
	stop    chan struct{}
	stopped chan struct{}
}

func newLiveReporter(w io.Writer, st cli.Style, total int, o Options) *liveReporter {
	l := &liveReporter{w: w, st: st, total: total, o: o, started: time.Now(), running: map[*node]time.Time{},
		stop: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(l.stopped)
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				l.mu.Lock()
				l.redraw()
				l.mu.Unlock()
			}
		}
	}()
	return l
}

func (l *liveReporter) start(n *node) {
	l.mu.Lock()
	l.running[n] = time.Now()
	l.redraw()
	l.mu.Unlock()
}

func (l *liveReporter) finish(n *node, done int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.running, n)
	l.done = done
	if n.status == statusFailed {
		l.failed++
	}
	if n.status == statusFailed || n.warn != "" || l.o.Verbose || (l.o.Explain && len(n.changes) > 0) {
		l.clear()
		writeFinished(l.w, l.st, n, done, l.total, l.o)
	}
	l.redraw()
}

func (l *liveReporter) close() {
	close(l.stop)
	<-l.stopped
	l.mu.Lock()
	l.clear()
	l.mu.Unlock()
}

// clear erases the block: cursor up over its lines, then clear to the end.
func (l *liveReporter) clear() {
	if l.lines > 0 {
		fmt.Fprintf(l.w, "\033[%dA\r\033[J", l.lines)
		l.lines = 0
	}
}

func (l *liveReporter) redraw() {
	l.clear()
	var b strings.Builder
	fmt.Fprintf(&b, "[%d/%d] %d running", l.done, l.total, len(l.running))
	if l.failed > 0 {
		fmt.Fprintf(&b, " · %s", l.st.Fail(fmt.Sprintf("%d failed", l.failed)))
	}
	fmt.Fprintf(&b, " · %s\n", fmtDur(time.Since(l.started).Round(100*time.Millisecond)))
	type run struct {
		name string
		at   time.Time
	}
	runs := make([]run, 0, len(l.running))
	for n, at := range l.running {
		runs = append(runs, run{n.name(), at})
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].at.Before(runs[j].at) })
	const maxShown = 12
	for i, r := range runs {
		if i == maxShown {
			fmt.Fprintf(&b, "  … %d more\n", len(runs)-maxShown)
			break
		}
		fmt.Fprintf(&b, "  %s  %s\n", r.name, fmtDur(time.Since(r.at).Round(100*time.Millisecond)))
	}
	io.WriteString(l.w, b.String())
	l.lines = strings.Count(b.String(), "\n")
}

// Summary is the --json output of a run.
type Summary struct {
	Target     string         `json:"target"`
	OK         bool           `json:"ok"`
	DurationMS int64          `json:"durationMs"`
	Counts     map[string]int `json:"counts"`
	Tasks      []TaskResult   `json:"tasks"`
}

// TaskResult is one task in the summary.
type TaskResult struct {
	Component string `json:"component"`
	Target    string `json:"target"`
	// Status is ok, cached, failed or skipped; planned in a dry run.
	Status string `json:"status"`
	// Cache is hit, miss, off (not cacheable) or - (not run).
	Cache      string `json:"cache"`
	Key        string `json:"key"`
	DurationMS int64  `json:"durationMs"`
	// CachedDurationMS is how long the task took when its cached result
	// was made (cache hits only).
	CachedDurationMS int64         `json:"cachedDurationMs,omitempty"`
	ExitCode         int           `json:"exitCode,omitempty"`
	Reason           string        `json:"reason,omitempty"`
	Warning          string        `json:"warning,omitempty"`
	Changes          []task.Change `json:"changes,omitempty"`
	// Log is included for failed tasks (and every task with --verbose).
	Log string `json:"log,omitempty"`
}

func summarize(target string, nodes []*node, elapsed time.Duration) Summary {
	s := Summary{Target: target, OK: true, DurationMS: elapsed.Milliseconds(), Counts: map[string]int{}, Tasks: []TaskResult{}}
	for _, n := range nodes {
		s.Counts[n.status]++
		if n.status == statusFailed || n.status == statusSkipped {
			s.OK = false
		}
		s.Tasks = append(s.Tasks, TaskResult{
			Component: n.comp.Name, Target: n.m.Target, Status: n.status, Cache: n.cache, Key: n.m.Key,
			DurationMS: n.dur.Milliseconds(), CachedDurationMS: n.saved.Milliseconds(), ExitCode: n.exitCode, Reason: n.reason, Warning: n.warn,
			Changes: n.changes, Log: string(n.log),
		})
	}
	return s
}

// finish prints the logs of failed tasks, the summary table (or JSON) and
// returns the run's error.
func (r *runner) finish(ctx context.Context, nodes []*node) error {
	elapsed := time.Since(r.start)
	var failed []*node
	counts := map[string]int{}
	for _, n := range nodes {
		counts[n.status]++
		if n.status == statusFailed {
			failed = append(failed, n)
		}
		if n.status != statusFailed && !r.o.Verbose {
			n.log = nil // only failed logs go into the JSON summary
		}
	}
	w := r.deps.IO.Out
	st := r.deps.Style(w)
	if r.o.JSON {
		if err := cli.WriteJSON(w, summarize(r.o.Target, nodes, elapsed)); err != nil {
			return err
		}
	} else {
		for _, n := range failed {
			fmt.Fprintf(w, "\n==> %s %s (%s), log:\n", n.name(), st.Fail("failed"), n.reason)
			w.Write(n.log)
			if len(n.log) > 0 && n.log[len(n.log)-1] != '\n' {
				fmt.Fprintln(w)
			}
		}
		bw := bufio.NewWriter(w) // tabwriter writes cell by cell
		defer bw.Flush()
		w := bw
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "COMPONENT\tTARGET\tSTATUS\tDURATION\tCACHE")
		for _, n := range nodes {
			d := fmtDur(n.dur)
			if n.status == statusSkipped {
				d = "-"
			}
			// Each status's colour is as long as the others': columns line up.
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", n.comp.Name, n.m.Target, paint(st, n.status), d, n.cache)
		}
		tw.Flush()
		var parts []string
		for _, s := range []string{statusOK, statusCached, statusFailed, statusSkipped} {
			if counts[s] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", counts[s], paint(st, s)))
			}
		}
		fmt.Fprintf(w, "%d tasks: %s in %s\n", len(nodes), strings.Join(parts, ", "), fmtDur(elapsed))
	}
	switch {
	case ctx.Err() != nil:
		return cli.Exit(cli.ExitFailed, fmt.Errorf("run %s: interrupted", r.o.Target))
	case len(failed) > 0:
		names := make([]string, len(failed))
		for i, n := range failed {
			names[i] = n.name()
		}
		return cli.Exit(cli.ExitFailed, fmt.Errorf("run %s: %d of %d tasks failed: %s", r.o.Target, len(failed), len(nodes), strings.Join(names, ", ")))
	}
	return nil
}

// dryRun lists the tasks in order with their key and whether they would
// hit the cache.
func (r *runner) dryRun(ctx context.Context, nodes []*node) error {
	for _, n := range nodes {
		n.status, n.cache = "planned", "off"
		if n.task.Cacheable() {
			ok, err := r.store.Has(ctx, n.m.Key)
			if msg, isWarn := cacheWarning(err); isWarn {
				n.addWarn(msg)
			} else if err != nil {
				return err
			}
			n.cache = "miss"
			if ok && !r.o.Force {
				n.cache = "hit"
			}
		}
		if r.o.Explain && n.cache != "hit" {
			prev, err := r.manifests.Load(n.comp.Name, n.m.Target)
			if err != nil {
				return err
			}
			n.changes = task.Explain(prev, n.m)
		}
	}
	w := r.deps.IO.Out
	if r.o.JSON {
		return cli.WriteJSON(w, summarize(r.o.Target, nodes, time.Since(r.start)))
	}
	if len(nodes) == 0 {
		fmt.Fprintf(w, "no selected component has target %q\n", r.o.Target)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tTASK\tKEY\tCACHE\tAFTER")
	for i, n := range nodes {
		after := make([]string, len(n.deps))
		for j, d := range n.deps {
			after[j] = d.comp.Name
			if d.m.Target != n.m.Target { // through dependsOn
				after[j] = d.name()
			}
		}
		a := strings.Join(after, ",")
		if a == "" {
			a = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", i+1, n.name(), n.m.Key[:12], n.cache, a)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range nodes {
		if n.warn != "" {
			fmt.Fprintf(r.deps.IO.ErrOut, "mono run: warning: %s: %s\n", n.name(), n.warn)
		}
	}
	for _, n := range nodes {
		if len(n.changes) > 0 {
			fmt.Fprintf(w, "%s: miss:\n", n.name())
			for _, c := range n.changes {
				fmt.Fprintf(w, "  %s\n", c)
			}
		}
	}
	return nil
}
