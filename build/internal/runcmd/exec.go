package runcmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/acme/platform/build/internal/cache"
	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/task"
)

// run plans, then runs (or lists, with --dry-run) the tasks.
func (r *runner) run(ctx context.Context) error {
	names, err := r.selectNames(ctx)
	if err != nil {
		return err
	}
	nodes, err := r.plan(ctx, names)
	if err != nil {
		return err
	}
	if r.o.DryRun { // only reads: the memos are not saved either
		return r.dryRun(ctx, nodes)
	}
	defer r.saveMemos()
	if len(nodes) == 0 {
		if r.o.JSON {
			return cli.WriteJSON(r.deps.IO.Out, summarize(r.o.Target, nil, 0))
		}
		fmt.Fprintf(r.deps.IO.ErrOut, "mono run: no selected component has target %q; nothing to do\n", r.o.Target)
		return nil
	}
	if err := os.MkdirAll(r.outDir, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	rep := newReporter(r.deps, r.o, len(nodes))
	r.schedule(ctx, nodes, rep)
	rep.close()
	return r.finish(ctx, nodes)
}

func (r *runner) saveMemos() {
	if err := r.hasher.Save(); err != nil {
		fmt.Fprintf(r.deps.IO.ErrOut, "mono run: warning: %v\n", err)
	}
	if err := r.tools.Save(); err != nil {
		fmt.Fprintf(r.deps.IO.ErrOut, "mono run: warning: %v\n", err)
	}
	if err := r.results.save(); err != nil {
		fmt.Fprintf(r.deps.IO.ErrOut, "mono run: warning: %v\n", err)
	}
}

// schedule runs the nodes: each starts once its dependencies succeeded, at
// most --parallel processes at a time. Cache look-ups do not count against
// --parallel. A failure skips its dependents and, without --continue, stops
// new tasks from starting.
func (r *runner) schedule(ctx context.Context, nodes []*node, rep reporter) {
	slots := make(chan struct{}, r.o.Parallel)
	finished := make(chan *node)
	var stopping atomic.Bool
	var wg sync.WaitGroup
	dispatch := func(n *node) {
		wg.Go(func() {
			r.execute(ctx, n, slots, &stopping, rep)
			finished <- n
		})
	}
	doneCount := 0
	var complete func(n *node)
	complete = func(n *node) {
		n.done = true
		doneCount++
		rep.finish(n, doneCount)
		if n.status == statusFailed && !r.o.Continue {
			stopping.Store(true)
		}
		for _, d := range n.dependents {
			if d.done {
				continue
			}
			if n.status == statusOK || n.status == statusCached {
				d.pending--
				if d.pending == 0 {
					dispatch(d)
				}
				continue
			}
			d.status, d.cache = statusSkipped, "-"
			d.reason = fmt.Sprintf("dependency %s %s", n.name(), n.status)
			complete(d)
		}
	}
	for _, n := range nodes {
		if n.pending == 0 {
			dispatch(n)
		}
	}
	for doneCount < len(nodes) {
		n := <-finished
		if n.done { // skipped through a dependency while it ran: cannot happen, deps finish first
			continue
		}
		complete(n)
	}
	wg.Wait()
}

// execute takes the node's result from the cache or runs it.
func (r *runner) execute(ctx context.Context, n *node, slots chan struct{}, stopping *atomic.Bool, rep reporter) {
	skip := func() bool {
		switch {
		case ctx.Err() != nil:
			n.status, n.cache, n.reason = statusSkipped, "-", "interrupted"
		case stopping.Load():
			n.status, n.cache, n.reason = statusSkipped, "-", "not started after a failure (use --continue to keep going)"
		default:
			return false
		}
		return true
	}
	if skip() {
		return
	}
	cacheable := n.task.Cacheable()
	if cacheable && !r.o.Force {
		start := time.Now()
		if r.recorded(ctx, n) {
			n.status, n.cache, n.dur = statusCached, "hit", time.Since(start)
			return
		}
		meta, err := r.restore(ctx, n)
		if err != nil {
			n.warn = fmt.Sprintf("cache read failed, running instead: %v", err)
		}
		if meta != nil {
			n.status, n.cache, n.dur = statusCached, "hit", time.Since(start)
			r.saveManifest(n, meta.Duration, meta.Files)
			return
		}
	}
	n.cache = "miss"
	if !cacheable {
		n.cache = "off"
	}
	if r.o.Explain && cacheable {
		prev, err := r.manifests.Load(n.comp.Name, n.m.Target)
		if err != nil {
			n.warn = err.Error()
		}
		n.changes = task.Explain(prev, n.m)
		if r.o.Force {
			n.changes = append([]task.Change{{Kind: "forced", Name: "--force"}}, n.changes...)
		}
	}
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
	}
	if skip() {
		if ctx.Err() == nil {
			<-slots
		}
		return
	}
	defer func() { <-slots }()
	rep.start(n)
	start := time.Now()
	var log bytes.Buffer
	code, err := r.process(ctx, n, &log)
	n.dur = time.Since(start)
	n.log = log.Bytes()
	n.exitCode = code
	switch {
	case ctx.Err() != nil:
		n.status, n.reason = statusFailed, "interrupted"
		return
	case err != nil:
		n.status, n.reason = statusFailed, err.Error()
		return
	}
	n.status = statusOK
	if cacheable {
		files, err := r.store1(ctx, n)
		if err != nil {
			msg, ok := cacheWarning(err) // stored locally; the remote failed
			if !ok {
				n.addWarn("not cached: " + err.Error())
				return
			}
			n.addWarn(msg)
		}
		r.saveManifest(n, n.dur, files)
	}
}

// saveManifest saves the node's manifest (for --explain) and then records
// its result (see results): the record is only as new as the manifest.
func (r *runner) saveManifest(n *node, dur time.Duration, files []cache.File) {
	if err := r.manifests.Save(n.m); err != nil {
		n.warn = err.Error()
		return
	}
	r.results.put(n.name(), lastResult{Key: n.m.Key, Duration: dur, Files: files})
}

// env returns the environment of a task's process: the base set and the
// variables the task declares (task.TaskEnviron), PATH with node_modules/.bin
// in front for a node-app, and the MONO_* variables.
func (r *runner) env(n *node) []string {
	dir := r.ws.Path(n.comp.Dir)
	vars := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := vars[k]; !ok {
			order = append(order, k)
		}
		vars[k] = v
	}
	for _, kv := range task.TaskEnviron(r.deps.Environ, n.task.Env) {
		k, v, _ := strings.Cut(kv, "=")
		set(k, v)
	}
	pathVar := r.deps.Getenv("PATH")
	if n.comp.Kind == graph.NodeApp {
		pathVar = strings.Join([]string{
			filepath.Join(dir, "node_modules", ".bin"),
			filepath.Join(r.ws.Root, "node_modules", ".bin"),
			pathVar,
		}, string(os.PathListSeparator))
	}
	set("PATH", pathVar)
	set("MONO_ROOT", r.ws.Root)
	set("MONO_OUT", r.outDir)
	set("MONO_COMPONENT", n.comp.Name)
	set("MONO_TARGET", n.m.Target)
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, k+"="+vars[k])
	}
	return out
}

// process runs the task's command with sh -c in the component's folder.
func (r *runner) process(ctx context.Context, n *node, log io.Writer) (int, error) {
	cmd := exec.CommandContext(ctx, "sh", "-c", n.task.Command)
	cmd.Dir = r.ws.Path(n.comp.Dir)
	cmd.Env = r.env(n)
	cmd.Stdout = log
	cmd.Stderr = log
	setProcessGroup(cmd)
	err := cmd.Run()
	if err == nil {
		return 0, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if hint := r.npmHint(n, ee.ExitCode()); hint != "" {
			return ee.ExitCode(), fmt.Errorf("exit status %d: %s", ee.ExitCode(), hint)
		}
		return ee.ExitCode(), fmt.Errorf("exit status %d", ee.ExitCode())
	}
	return -1, fmt.Errorf("start %s: %w", n.name(), err)
}

// outputGlobs returns the task's output globs relative to the root.
func (r *runner) outputGlobs(n *node) []string {
	outRel, _ := filepath.Rel(r.ws.Root, r.outDir)
	var out []string
	for _, o := range n.task.Outputs {
		if rest, ok := strings.CutPrefix(o, task.OutDirToken); ok {
			out = append(out, path.Join(filepath.ToSlash(outRel), rest))
			continue
		}
		out = append(out, path.Join(n.comp.Dir, o))
	}
	return out
}

// outputs lists the files of a finished task matching its output globs.
func (r *runner) outputs(n *node) ([]cache.File, error) {
	seen := map[string]bool{}
	var files []cache.File
	fsys := os.DirFS(r.ws.Root)
	for _, g := range r.outputGlobs(n) {
		err := doublestar.GlobWalk(fsys, g, func(rel string, d fs.DirEntry) error {
			if seen[rel] {
				return nil
			}
			seen[rel] = true
			info, err := d.Info()
			if err != nil {
				return err
			}
			f := cache.File{Path: rel, Mode: info.Mode(), Size: info.Size()}
			if info.Mode()&fs.ModeSymlink != 0 {
				if f.Link, err = os.Readlink(r.ws.Path(rel)); err != nil {
					return err
				}
				f.Size = 0
			} else if !info.Mode().IsRegular() {
				return nil
			}
			if f.Digest, err = r.hasher.Digest(rel, info); err != nil {
				return err
			}
			files = append(files, f)
			return nil
		}, doublestar.WithFilesOnly(), doublestar.WithNoFollow())
		if err != nil {
			return nil, fmt.Errorf("collect outputs %s: %w", g, err)
		}
	}
	return files, nil
}

// store1 stores a successful task's outputs and log under its key and
// returns the output files it stored.
func (r *runner) store1(ctx context.Context, n *node) ([]cache.File, error) {
	files, err := r.outputs(n)
	if err != nil {
		return nil, err
	}
	meta := cache.Meta{
		Key: n.m.Key, Component: n.comp.Name, Target: n.m.Target,
		ExitCode: 0, Duration: n.dur, Created: time.Now().UTC(), Files: files,
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(cache.WriteEntry(pw, r.ws.Root, meta, n.log)) }()
	err = r.store.Put(ctx, n.m.Key, pr)
	pr.CloseWithError(err) // unblock the writer if Put stopped early
	if errors.Is(err, cache.ErrTooLarge) {
		return nil, fmt.Errorf("outputs larger than cache.maxSizeMB")
	}
	return files, err
}

// restore takes a task's result from the cache: outputs that differ from
// the stored ones are rewritten, the log is read when it will be shown. It
// returns the entry's meta, nil on a miss.
func (r *runner) restore(ctx context.Context, n *node) (*cache.Meta, error) {
	rc, err := r.store.Get(ctx, n.m.Key)
	if errors.Is(err, cache.ErrNotFound) {
		if msg, ok := cacheWarning(err); ok {
			n.addWarn(msg)
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	e, err := cache.ReadEntry(rc)
	if err != nil {
		return nil, err
	}
	n.saved = e.Meta.Duration
	if r.o.Verbose {
		if n.log, err = e.Log(); err != nil {
			return nil, err
		}
	}
	for _, f := range e.Meta.Files {
		if !r.outputCurrent(f) {
			if err := e.Restore(r.ws.Root, r.outputCurrent); err != nil {
				return nil, err
			}
			break
		}
	}
	return &e.Meta, nil
}

// outputCurrent reports whether the output file f of a cache entry is on
// disk as stored: the same link target, or a regular file of the same
// size, permissions and digest (from the file hash memo while its stat is
// unchanged).
func (r *runner) outputCurrent(f cache.File) bool {
	p := r.ws.Path(f.Path)
	info, err := os.Lstat(p)
	if err != nil {
		return false
	}
	if f.Link != "" {
		l, err := os.Readlink(p)
		return err == nil && l == f.Link
	}
	if !info.Mode().IsRegular() || info.Size() != f.Size || info.Mode().Perm() != f.Mode.Perm() {
		return false
	}
	d, err := r.hasher.Digest(f.Path, info)
	return err == nil && d == f.Digest
}
