package runcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/acme/platform/build/internal/cache"
	"github.com/acme/platform/build/internal/task"
)

// resultsVersion starts a results file; a file with another is ignored.
const resultsVersion = "mono-run-results-1"

// results is the record of the last result of each task a run of one
// target took from the cache or stored in it: the key, and the duration
// and output files of its cache entry. With it, a task whose key is the
// recorded one, whose entry is still in the local cache and whose outputs
// on disk are the recorded ones is a cache hit without opening the entry
// or reading its stored manifest (saved with the same key before the
// record was). Anything else goes the long way: Get, restore, save. The
// file is rewritten only when a result changed, so a no-op run writes
// nothing.
type results struct {
	file string

	mu    sync.Mutex
	tasks map[string]lastResult // by task name, component:target
	dirty bool
}

// lastResult is a task's entry in the record.
type lastResult struct {
	Key      string        `json:"key"`
	Duration time.Duration `json:"duration"`
	Files    []cache.File  `json:"files,omitempty"`
}

type resultsFile struct {
	Version string                `json:"version"`
	Tasks   map[string]lastResult `json:"tasks"`
}

// loadResults reads the record of target's runs from dir; a missing or
// damaged one is empty.
func loadResults(dir, target string) *results {
	r := &results{file: filepath.Join(dir, url.PathEscape(target)+".json"), tasks: map[string]lastResult{}}
	data, err := os.ReadFile(r.file)
	if err != nil {
		return r
	}
	var f resultsFile
	if json.Unmarshal(data, &f) == nil && f.Version == resultsVersion && f.Tasks != nil {
		r.tasks = f.Tasks
	}
	return r
}

func (r *results) get(name string) (lastResult, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.tasks[name]
	return l, ok
}

func (r *results) put(name string, l lastResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tasks[name] = l
	r.dirty = true
}

// save writes the record when it changed.
func (r *results) save() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.dirty {
		return nil
	}
	data, err := json.Marshal(resultsFile{Version: resultsVersion, Tasks: r.tasks})
	if err != nil {
		return err
	}
	if err := task.WriteFileAtomic(r.file, data); err != nil {
		return fmt.Errorf("save task results: %w", err)
	}
	r.dirty = false
	return nil
}

// recorded takes the node's result from the record of the last results,
// when it holds: see results. It reports whether it did.
func (r *runner) recorded(ctx context.Context, n *node) bool {
	if r.o.Verbose { // the log is read from the entry
		return false
	}
	last, ok := r.results.get(n.name())
	if !ok || last.Key != n.m.Key {
		return false
	}
	t, ok := r.store.(cache.Toucher)
	if !ok {
		return false
	}
	if found, err := t.Touch(ctx, n.m.Key); err != nil || !found {
		return false
	}
	for _, f := range last.Files {
		if !r.outputCurrent(f) {
			return false
		}
	}
	n.saved = last.Duration
	return true
}
