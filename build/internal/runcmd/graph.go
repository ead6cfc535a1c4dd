package runcmd

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/graphcmd"
	"github.com/acme/platform/build/internal/task"
)

// GraphFormats are the formats of mono run --graph.
var GraphFormats = []string{"text", "json", "dot", "html"}

// GraphTask is one task of the JSON task graph.
type GraphTask struct {
	ID        string `json:"id"`
	Component string `json:"component"`
	Target    string `json:"target"`
	Kind      string `json:"kind"`
	Dir       string `json:"dir"`
	Command   string `json:"command"`
	// DependsOn is the task's dependsOn as resolved (["^<target>"] when
	// it declares none).
	DependsOn []string `json:"dependsOn"`
	// Deps are the tasks it waits for, by id.
	Deps []string `json:"deps"`
}

// TaskGraph is the JSON form of mono run --graph: the tasks in the order
// they may run (a task after those it waits for).
type TaskGraph struct {
	Target string      `json:"target"`
	Tasks  []GraphTask `json:"tasks"`
}

// graph prints the task graph of the run in o.GraphFormat without running,
// hashing or creating anything.
func (r *runner) graph(ctx context.Context) error {
	names, err := r.selectNames(ctx)
	if err != nil {
		return err
	}
	tg, err := r.resolver.Plan(r.g, r.o.Target, names)
	if err != nil {
		return err
	}
	if len(tg.Nodes) == 0 {
		if err := r.unknownTarget(names); err != nil {
			return err
		}
	}
	return writeGraph(r.deps.IO.Out, r, tg)
}

func writeGraph(w io.Writer, r *runner, tg *task.Graph) error {
	out := TaskGraph{Target: tg.Target, Tasks: make([]GraphTask, 0, len(tg.Nodes))}
	for _, n := range tg.Nodes {
		c := r.g.Get(n.Component)
		gt := GraphTask{
			ID: n.ID.String(), Component: n.Component, Target: n.Target, Kind: string(c.Kind), Dir: c.Dir,
			Command: n.Task.Command, DependsOn: n.Task.Needs(n.Target), Deps: []string{},
		}
		for _, d := range n.Deps {
			gt.Deps = append(gt.Deps, d.String())
		}
		out.Tasks = append(out.Tasks, gt)
	}
	switch r.o.GraphFormat {
	case "text":
		if len(out.Tasks) == 0 {
			fmt.Fprintf(w, "no selected component has target %q\n", tg.Target)
		}
		for _, t := range out.Tasks {
			if len(t.Deps) == 0 {
				fmt.Fprintln(w, t.ID)
				continue
			}
			fmt.Fprintf(w, "%s -> %s\n", t.ID, strings.Join(t.Deps, ", "))
		}
		return nil
	case "json":
		return cli.WriteJSON(w, out)
	}
	d := &graphcmd.Data{Nodes: []graphcmd.Node{}, Edges: []graphcmd.Edge{}}
	for _, t := range out.Tasks {
		c := r.g.Get(t.Component)
		d.Nodes = append(d.Nodes, graphcmd.Node{Name: t.ID, Kind: c.Kind, Dir: c.Dir})
		for _, dep := range t.Deps {
			d.Edges = append(d.Edges, graphcmd.Edge{From: t.ID, To: dep})
		}
	}
	if r.o.GraphFormat == "dot" {
		return graphcmd.WriteDot(w, d)
	}
	return graphcmd.WritePage(w, d, "Task graph of mono run "+tg.Target, "tasks")
}
