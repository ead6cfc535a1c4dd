// Package graphcmd implements `mono graph` (the component graph as text,
// JSON, Graphviz dot or a self-contained HTML page) and `mono why` (the
// dependency path between two components).
package graphcmd

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/graph"
)

// Formats are the output formats of mono graph.
var Formats = []string{"text", "json", "dot", "html"}

// Options are the flags of mono graph.
type Options struct {
	Format string
	// Focus limits the graph to these components, their dependencies and
	// their dependents.
	Focus []string
}

// NewCommand returns the graph command.
func NewCommand(deps cli.Deps) *cobra.Command {
	var o Options
	cmd := &cobra.Command{
		Use:   "graph [--format text|json|dot|html] [--focus COMPONENT]...",
		Short: "Print the component dependency graph",
		Long: `Print the dependency graph of the repository's components.

Formats:
  text  one line per component with its direct dependencies; a test-only
        dependency (imported only by _test.go files) is marked "(test)"
  json  {"nodes": [...], "edges": [...]} for machines; test-only edges
        have "test": true
  dot   Graphviz (mono graph --format dot | dot -Tsvg > graph.svg); test-only
        edges are dashed
  html  one self-contained page (no network) that draws the graph, with a
        filter box to show one component with its dependencies and dependents`,
		Example: `  mono graph
  mono graph --format html > graph.html
  mono graph --format dot --focus orders-api | dot -Tpng > orders-api.png`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, g, err := deps.Graph()
			if err != nil {
				return err
			}
			return Run(deps.IO.Out, g, o)
		},
	}
	cmd.Flags().StringVar(&o.Format, "format", "text", "output format: "+strings.Join(Formats, ", "))
	cmd.Flags().StringArrayVar(&o.Focus, "focus", nil, "only this component, its dependencies and dependents (repeatable)")
	cmd.Flags().Bool("json", false, "same as --format json")
	cmd.PreRunE = func(cmd *cobra.Command, _ []string) error {
		if j, _ := cmd.Flags().GetBool("json"); j {
			o.Format = "json"
		}
		return nil
	}
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return Formats, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// Node is a component in the JSON graph.
type Node struct {
	Name string     `json:"name"`
	Kind graph.Kind `json:"kind"`
	Dir  string     `json:"dir"`
}

// Edge says From depends on To; Test marks a test-only edge (an import
// found only in From's _test.go files), which counts for the test target
// alone.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
	Test bool   `json:"test,omitempty"`
}

// Data is the graph in the shape the JSON and HTML formats use.
type Data struct {
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`
}

// Build returns the (focused) graph data.
func Build(g *graph.Graph, focus []string) (*Data, error) {
	keep := map[string]bool{}
	if len(focus) == 0 {
		for _, n := range g.Names() {
			keep[n] = true
		}
	}
	for _, f := range focus {
		if _, err := g.Lookup(f); err != nil {
			return nil, cli.Exit(cli.ExitUsage, fmt.Errorf("--focus: %w", err))
		}
		for _, n := range g.Order([]string{f}) {
			keep[n] = true
		}
		for n := range g.DependentsClosure([]string{f}) {
			keep[n] = true
		}
	}
	d := &Data{Nodes: []Node{}, Edges: []Edge{}}
	for _, c := range g.Components() {
		if !keep[c.Name] {
			continue
		}
		d.Nodes = append(d.Nodes, Node{Name: c.Name, Kind: c.Kind, Dir: c.Dir})
		for _, dep := range c.Depends {
			if keep[dep] {
				d.Edges = append(d.Edges, Edge{From: c.Name, To: dep, Test: c.TestOnly(dep)})
			}
		}
	}
	return d, nil
}

// Run prints g in o.Format.
func Run(w io.Writer, g *graph.Graph, o Options) error {
	d, err := Build(g, o.Focus)
	if err != nil {
		return err
	}
	switch o.Format {
	case "text":
		return writeText(w, d)
	case "json":
		return cli.WriteJSON(w, d)
	case "dot":
		return WriteDot(w, d)
	case "html":
		return WriteHTML(w, d)
	}
	return cli.Usagef("--format: unknown format %q (formats: %s)", o.Format, strings.Join(Formats, ", "))
}

func writeText(w io.Writer, d *Data) error {
	deps := map[string][]string{}
	for _, e := range d.Edges {
		to := e.To
		if e.Test {
			to += " (test)"
		}
		deps[e.From] = append(deps[e.From], to)
	}
	for _, n := range d.Nodes {
		if len(deps[n.Name]) == 0 {
			fmt.Fprintf(w, "%s (%s)\n", n.Name, n.Kind)
			continue
		}
		fmt.Fprintf(w, "%s (%s) -> %s\n", n.Name, n.Kind, strings.Join(deps[n.Name], ", "))
	}
	return nil
}

// kindStyle gives each kind a colour, shared by the dot and HTML formats.
var kindStyle = map[graph.Kind]string{
	graph.GoService: "#4e79a7", graph.GoJob: "#59a14f", graph.GoLib: "#76b7b2", graph.GoTool: "#9c755f",
	graph.PythonDAGs: "#edc948", graph.PythonApp: "#f28e2b", graph.NodeApp: "#e15759",
	graph.TerraformStack: "#b07aa1", graph.TerraformModule: "#d4a6c8", graph.HelmChart: "#86bcb6", graph.HelmRelease: "#bab0ac",
	graph.Ansible: "#ff9da7",
}

// WriteDot writes d in Graphviz's dot language.
func WriteDot(w io.Writer, d *Data) error {
	fmt.Fprintln(w, "digraph components {")
	fmt.Fprintln(w, "  rankdir=LR;")
	fmt.Fprintln(w, `  node [shape=box, style="rounded,filled", fontname="sans-serif", fontcolor=white];`)
	for _, n := range d.Nodes {
		fmt.Fprintf(w, "  %q [fillcolor=%q, tooltip=%q];\n", n.Name, kindStyle[n.Kind], string(n.Kind)+" "+n.Dir)
	}
	for _, e := range d.Edges {
		style := ""
		if e.Test {
			style = " [style=dashed, tooltip=\"test only\"]"
		}
		fmt.Fprintf(w, "  %q -> %q%s;\n", e.From, e.To, style)
	}
	fmt.Fprintln(w, "}")
	return nil
}

//go:embed graph.html.tmpl
var pageSrc string

var page = template.Must(template.New("graph").Parse(pageSrc))

// WriteHTML writes a self-contained page that draws d in the browser.
func WriteHTML(w io.Writer, d *Data) error {
	return WritePage(w, d, "Component graph", "components")
}

// WritePage is WriteHTML with the page's title and the word for its nodes
// ("components"): `mono run --graph` draws tasks with it.
func WritePage(w io.Writer, d *Data, title, noun string) error {
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	kinds := make([]string, 0, len(kindStyle))
	for k := range kindStyle {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	colors, err := json.Marshal(kindStyle)
	if err != nil {
		return err
	}
	return page.Execute(w, map[string]any{
		"Graph":  template.JS(data),
		"Colors": template.JS(colors),
		"Count":  len(d.Nodes),
		"Title":  title,
		"Noun":   noun,
	})
}
