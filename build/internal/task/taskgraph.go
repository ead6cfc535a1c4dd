package task

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/strictyaml"
	"github.com/acme/platform/build/internal/suggest"
	"github.com/acme/platform/build/internal/workspace"
)

// ID names one task: a component and a target.
type ID struct {
	Component string `json:"component"`
	Target    string `json:"target"`
}

func (id ID) String() string { return id.Component + ":" + id.Target }

// Node is one task of a task graph.
type Node struct {
	ID
	Task graph.Task
	// Deps are the tasks that must succeed before this one starts, sorted.
	Deps []ID
}

// Graph is the tasks a run of one target runs and the order between them.
type Graph struct {
	Target string
	// Nodes are in dependency order (a task after the tasks it waits for),
	// ties by name.
	Nodes []*Node
}

// Plan returns the task graph of a run of target over the components
// names: the task of target of each of them that has one, and the tasks
// those wait for through dependsOn, transitively. "^x" waits for the task
// x of the nearest dependencies (through test-only edges for x = test
// alone) that have it; for x = target only those among names count, the
// others are passed through, as before dependsOn existed. "x" waits for the
// component's own task x. A task of another target than target is in the
// run when a task of the run waits for it.
//
// The dependsOn of every task of every component of g is validated first:
// an unknown target or a cycle is a *strictyaml.Error naming the file and
// line that declared it.
func (r *Resolver) Plan(g *graph.Graph, target string, names []string) (*Graph, error) {
	if err := r.Validate(g); err != nil {
		return nil, err
	}
	selected := map[string]bool{}
	for _, n := range names {
		selected[n] = true
	}
	has := func(comp, t string) (graph.Task, bool, error) {
		return r.Resolve(g.Get(comp), t)
	}
	nodes := map[ID]*Node{}
	var add func(id ID, t graph.Task) error
	add = func(id ID, t graph.Task) error {
		if _, ok := nodes[id]; ok {
			return nil
		}
		n := &Node{ID: id, Task: t}
		nodes[id] = n
		deps := map[ID]graph.Task{}
		for _, need := range t.Needs(id.Target) {
			x, up := strings.CutPrefix(need, "^")
			if !up {
				dt, _, err := has(id.Component, x)
				if err != nil {
					return err
				}
				deps[ID{id.Component, x}] = dt
				continue
			}
			seen := map[string]bool{}
			var walk func(comp string) error
			walk = func(comp string) error {
				for _, d := range g.Get(comp).DependsFor(x) {
					if seen[d] {
						continue
					}
					seen[d] = true
					dt, ok, err := has(d, x)
					if err != nil {
						return err
					}
					if ok && (x != target || selected[d]) {
						deps[ID{d, x}] = dt
						continue
					}
					if err := walk(d); err != nil {
						return err
					}
				}
				return nil
			}
			if err := walk(id.Component); err != nil {
				return err
			}
		}
		for d, dt := range deps {
			n.Deps = append(n.Deps, d)
			if err := add(d, dt); err != nil {
				return err
			}
		}
		sortIDs(n.Deps)
		return nil
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	for _, name := range sorted {
		t, ok, err := has(name, target)
		if err != nil {
			return nil, err
		}
		if ok {
			if err := add(ID{name, target}, t); err != nil {
				return nil, err
			}
		}
	}
	order, err := topo(nodes)
	if err != nil {
		return nil, err
	}
	return &Graph{Target: target, Nodes: order}, nil
}

// Validate checks the dependsOn of every task of every component of g: a
// target named without ^ must be one of the component's, one named with ^
// one of some component's, and the tasks of a component must not wait for
// each other in a cycle.
func (r *Resolver) Validate(g *graph.Graph) error {
	all, err := r.Targets(g.Components())
	if err != nil {
		return err
	}
	for _, c := range g.Components() {
		tasks, err := r.Tasks(c)
		if err != nil {
			return err
		}
		own := make([]string, 0, len(tasks))
		for t := range tasks {
			own = append(own, t)
		}
		sort.Strings(own)
		for _, target := range own {
			t := tasks[target]
			if strings.TrimSpace(t.Command) == "" {
				return r.errorAt(c, target, "command", fmt.Sprintf("tasks.%s has no command, and %s (kind %s) has no default %s task to take it from: give it a command", target, c.Name, c.Kind, target))
			}
			for _, need := range t.DependsOn {
				x, up := strings.CutPrefix(need, "^")
				known, whose := own, "targets of "+c.Name
				if up {
					known, whose = all, "targets of the repository"
				}
				if i := sort.SearchStrings(known, x); i < len(known) && known[i] == x {
					continue
				}
				hint := ""
				if best := suggest.Closest(x, known); best != "" {
					hint = fmt.Sprintf(" (did you mean %q?)", best)
				}
				return r.errorAt(c, target, "dependsOn", fmt.Sprintf("tasks.%s.dependsOn: unknown target %q%s; %s: %s", target, need, hint, whose, strings.Join(known, ", ")))
			}
		}
		if cycle := ownCycle(tasks, own); cycle != nil {
			return r.errorAt(c, cycle[0], "dependsOn", fmt.Sprintf("tasks.%s.dependsOn: the tasks of %s wait for each other in a cycle: %s", cycle[0], c.Name, strings.Join(cycle, " -> ")))
		}
	}
	return nil
}

// ownCycle returns a cycle among the tasks of one component through their
// dependsOn entries without ^ (first target repeated at the end), or nil.
func ownCycle(tasks map[string]graph.Task, targets []string) []string {
	const (
		visiting = 1
		done     = 2
	)
	state := map[string]int{}
	var stack []string
	var visit func(t string) []string
	visit = func(t string) []string {
		state[t] = visiting
		stack = append(stack, t)
		for _, need := range tasks[t].DependsOn {
			if strings.HasPrefix(need, "^") {
				continue
			}
			switch state[need] {
			case visiting:
				for i, s := range stack {
					if s == need {
						return append(append([]string(nil), stack[i:]...), need)
					}
				}
			case 0:
				if c := visit(need); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[t] = done
		return nil
	}
	for _, t := range targets {
		if state[t] == 0 {
			if c := visit(t); c != nil {
				return c
			}
		}
	}
	return nil
}

// errorAt returns msg as an error at key (below tasks.<target>) of the file
// that declared the dependsOn of c's target: its component.yaml or
// mono.yaml.
func (r *Resolver) errorAt(c *graph.Component, target, key, msg string) error {
	r.mu.Lock()
	file := r.from[c.Name][target]
	r.mu.Unlock()
	if file == "" {
		file = c.Manifest
	}
	if file == "" {
		file = workspace.FileName
	}
	path := []string{"tasks", target, key}
	if file == workspace.FileName {
		path = []string{"tasks", string(c.Kind), target, key}
	}
	line := 0
	if data, err := os.ReadFile(r.ws.Path(file)); err == nil {
		line = strictyaml.KeyLine(data, path...)
	}
	return &strictyaml.Error{File: file, Line: line, Msg: msg}
}

// topo orders nodes so that each comes after its Deps, ties by name, and
// returns an error naming a cycle if there is one.
func topo(nodes map[ID]*Node) ([]*Node, error) {
	ids := make([]ID, 0, len(nodes))
	for id := range nodes {
		ids = append(ids, id)
	}
	sortIDs(ids)
	state := map[ID]int{}
	out := make([]*Node, 0, len(nodes))
	var stack []string
	var visit func(id ID) error
	visit = func(id ID) error {
		switch state[id] {
		case 1:
			i := 0
			for i < len(stack) && stack[i] != id.String() {
				i++
			}
			return fmt.Errorf("the task graph has a cycle: %s -> %s", strings.Join(stack[i:], " -> "), id)
		case 2:
			return nil
		}
		state[id] = 1
		stack = append(stack, id.String())
		for _, d := range nodes[id].Deps {
			if err := visit(d); err != nil {
				return err
			}
		}
		stack = stack[:len(stack)-1]
		state[id] = 2
		out = append(out, nodes[id])
		return nil
	}
	for _, id := range ids {
		if err := visit(id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func sortIDs(ids []ID) {
	sort.Slice(ids, func(i, j int) bool {
		if ids[i].Component != ids[j].Component {
			return ids[i].Component < ids[j].Component
		}
		return ids[i].Target < ids[j].Target
	})
}
