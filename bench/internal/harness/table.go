package harness

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"
)

// Row is one line of the report table.
type Row struct {
	Case   string
	Size   int
	Tool   string
	Series *Series
	// Set says what the tool answered: the count and whether it matched.
	Set string
	// Ratio, Target and Result are filled on mono's rows: the ratio to the
	// fastest of the peer commands and the verdict on the target.
	Ratio, Target, Result string
	// Strict is mono's ratio to turbo's cheapest listing command
	// (`turbo ls --filter`), with the verdict on its own target.
	Strict string
}

// Ratio compares mono's medians with the fastest peer's (by wall time):
// wall and CPU ratios and the peer's tool name.
type Ratio struct {
	Wall, CPU float64
	Peer      string
}

// Compare returns mono's ratio to the fastest of peers.
func Compare(mono *Series, peers []*Series) Ratio {
	var best *Series
	for _, p := range peers {
		if best == nil || p.MedianWall() < best.MedianWall() {
			best = p
		}
	}
	if best == nil {
		return Ratio{Wall: math.NaN(), CPU: math.NaN()}
	}
	return Ratio{
		Wall: div(mono.MedianWall(), best.MedianWall()),
		CPU:  div(mono.MedianCPU(), best.MedianCPU()),
		Peer: best.Command.Tool,
	}
}

// Strict renders the ratio and its verdict in one column.
func (r Ratio) Strict(target float64) string {
	s := fmt.Sprintf("%.2fx vs %s", r.Wall, r.Peer)
	switch {
	case target <= 0:
		return s
	case r.Wall <= target:
		return s + ": PASS"
	default:
		return s + ": FAIL"
	}
}

// Verdict fills the ratio columns of a mono row against a target (0 for
// none: the ratio is informational).
func (r Ratio) Verdict(target float64) (ratio, tgt, result string) {
	ratio = fmt.Sprintf("%.2fx wall, %.2fx cpu vs %s", r.Wall, r.CPU, r.Peer)
	if target <= 0 {
		return ratio, "-", "-"
	}
	tgt = fmt.Sprintf("<= %.2fx", target)
	if r.Wall <= target {
		return ratio, tgt, "PASS"
	}
	return ratio, tgt, "FAIL"
}

func div(a, b time.Duration) float64 {
	if b == 0 {
		return math.Inf(1)
	}
	return float64(a) / float64(b)
}

// WriteTable prints rows as an aligned table.
func WriteTable(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tsize\ttool\truns\tmedian wall\tmedian cpu\tset\tmono / fastest peer\ttarget\tresult\tstrict: mono / turbo ls")
	for _, r := range rows {
		runs, wall, cpu := "-", "-", "-"
		if r.Series != nil {
			runs = fmt.Sprint(len(r.Series.Samples))
			wall = Seconds(r.Series.MedianWall())
			cpu = Seconds(r.Series.MedianCPU())
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			r.Case, r.Size, r.Tool, runs, wall, cpu, dash(r.Set), dash(r.Ratio), dash(r.Target), dash(r.Result), dash(r.Strict))
	}
	return tw.Flush()
}

// Seconds renders d as seconds with three decimals.
func Seconds(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
