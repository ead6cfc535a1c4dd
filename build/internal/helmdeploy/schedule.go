package helmdeploy

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Node is one release in the deploy graph: its component and the
// components it needs deployed (Ready) before it starts.
type Node struct {
	Component string
	Needs     []string
}

// Waves groups nodes by the order they deploy in: wave 1 needs nothing in
// the set, wave n needs only components of earlier waves. Needs outside
// the set (a component not being deployed this time) are taken as met.
// Each wave is sorted by name. A cycle is an error naming its members.
func Waves(nodes []Node) ([][]string, error) {
	in := map[string]Node{}
	for _, n := range nodes {
		if _, dup := in[n.Component]; dup {
			return nil, fmt.Errorf("component %s is planned twice", n.Component)
		}
		in[n.Component] = n
	}
	wave := map[string]int{}
	var waves [][]string
	for len(wave) < len(in) {
		var next []string
		for name, n := range in {
			if _, done := wave[name]; done {
				continue
			}
			ready := true
			for _, need := range n.Needs {
				if _, planned := in[need]; !planned {
					continue
				}
				// Waves are assigned after the scan: a need already in
				// wave is in an earlier one.
				if _, done := wave[need]; !done {
					ready = false
					break
				}
			}
			if ready {
				next = append(next, name)
			}
		}
		if len(next) == 0 {
			var left []string
			for name := range in {
				if _, done := wave[name]; !done {
					left = append(left, name)
				}
			}
			sort.Strings(left)
			return nil, fmt.Errorf("the deploy needs form a cycle among %s", strings.Join(left, ", "))
		}
		sort.Strings(next)
		for _, name := range next {
			wave[name] = len(waves) + 1
		}
		waves = append(waves, next)
	}
	return waves, nil
}

// ErrNeedFailed is the error of a node that did not run because a
// component it needs failed.
type ErrNeedFailed struct{ Need string }

func (e *ErrNeedFailed) Error() string {
	return fmt.Sprintf("not deployed: it needs %s, which failed", e.Need)
}

// Schedule runs run once per node, each as soon as every node it needs has
// finished without error, at most parallel at a time (<= 0: no limit).
// A node whose need failed is not run: its result is an *ErrNeedFailed.
// It returns each node's error by component (nil: done). Needs outside
// nodes are taken as met; call Waves first to reject cycles.
func Schedule(ctx context.Context, nodes []Node, parallel int, run func(context.Context, string) error) map[string]error {
	if parallel <= 0 {
		parallel = len(nodes)
	}
	in := map[string]Node{}
	for _, n := range nodes {
		in[n.Component] = n
	}
	var (
		mu      sync.Mutex
		results = make(map[string]error, len(nodes))
		done    = make(map[string]chan struct{}, len(nodes))
		wg      sync.WaitGroup
		slots   = make(chan struct{}, parallel)
	)
	for _, n := range nodes {
		done[n.Component] = make(chan struct{})
	}
	finish := func(name string, err error) {
		mu.Lock()
		results[name] = err
		mu.Unlock()
		close(done[name])
	}
	for _, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			needs := slices.Clone(n.Needs)
			sort.Strings(needs)
			for _, need := range needs {
				ch, planned := done[need]
				if !planned {
					continue
				}
				<-ch
				mu.Lock()
				err := results[need]
				mu.Unlock()
				if err != nil {
					finish(n.Component, &ErrNeedFailed{Need: need})
					return
				}
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				finish(n.Component, ctx.Err())
				return
			}
			err := run(ctx, n.Component)
			<-slots
			finish(n.Component, err)
		}()
	}
	wg.Wait()
	return results
}
