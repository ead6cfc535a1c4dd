// Package harness runs the benchmark's commands and measures them: wall
// time and CPU time (user+sys) per run, medians, the affected sets each
// tool prints, and the table bench/ reports.
package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// Command is one program invocation the benchmark times.
type Command struct {
	// Tool names the row in the table (mono, turbo, nx, ...).
	Tool string
	Dir  string
	Path string
	Args []string
	// Env is added to the benchmark's own environment.
	Env []string
	// Before runs untimed ahead of every run (e.g. to drop a cache).
	Before func() error
}

// String renders the command line for people.
func (c Command) String() string {
	return strings.Join(append([]string{c.Path}, c.Args...), " ")
}

// Sample is one timed run.
type Sample struct {
	Wall time.Duration
	// CPU is the user+sys time of the process and every descendant it or
	// the benchmark reaped (see Run).
	CPU time.Duration
}

// Output is what one run printed.
type Output struct {
	Stdout, Stderr []byte
}

// Runner runs commands one at a time.
type Runner struct {
	// Reap says this process is the child subreaper of the commands (see
	// NewRunner): after each command, its orphaned descendants are waited
	// for and their CPU time counted.
	Reap bool
	// Timeout bounds one run; zero means none.
	Timeout time.Duration
}

// NewRunner returns a Runner that adopts the orphaned descendants of the
// commands it runs, so their CPU time is counted and none outlives a
// measurement. Nothing else in the process may start child processes
// while it runs one: it waits for any child.
func NewRunner() (*Runner, error) {
	ok, err := becomeSubreaper()
	if err != nil {
		return nil, err
	}
	return &Runner{Reap: ok}, nil
}

// Run runs c once and times it. Wall time runs from start to exit; CPU
// time is the child's rusage (user+sys, which counts the descendants it
// waited for) plus, with Reap, that of descendants it left behind.
func (r *Runner) Run(ctx context.Context, c Command) (Sample, Output, error) {
	if c.Before != nil {
		if err := c.Before(); err != nil {
			return Sample{}, Output{}, fmt.Errorf("%s: prepare: %w", c.Tool, err)
		}
	}
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, c.Path, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), c.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	out := Output{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var orphans time.Duration
	var rerr error
	if r.Reap {
		orphans, rerr = reapOrphans(5 * time.Second)
	}
	if err != nil {
		return Sample{}, out, fmt.Errorf("%s: %s: %w\n%s", c.Tool, c, err, tail(stderr.Bytes(), 2000))
	}
	if rerr != nil {
		return Sample{}, out, fmt.Errorf("%s: %w", c.Tool, rerr)
	}
	ps := cmd.ProcessState
	return Sample{Wall: wall, CPU: ps.UserTime() + ps.SystemTime() + orphans}, out, nil
}

// Series is the samples of one command, warm-up runs left out.
type Series struct {
	Command Command
	Samples []Sample
	// Last is the output of the last run.
	Last Output
}

// Repeat runs c warmup times untimed, then runs times timed. check, when
// not nil, sees every run's output, the warm-up included, so a tool that
// answers differently between runs is caught.
func (r *Runner) Repeat(ctx context.Context, c Command, warmup, runs int, check func(Output) error) (*Series, error) {
	s := &Series{Command: c}
	for i := range warmup + runs {
		sample, out, err := r.Run(ctx, c)
		if err != nil {
			return nil, err
		}
		if check != nil {
			if err := check(out); err != nil {
				return nil, fmt.Errorf("%s run %d: %w", c.Tool, i+1, err)
			}
		}
		if i >= warmup {
			s.Samples = append(s.Samples, sample)
		}
		s.Last = out
	}
	return s, nil
}

// MedianWall is the median wall time of the samples.
func (s *Series) MedianWall() time.Duration {
	return Median(s.Samples, func(x Sample) time.Duration { return x.Wall })
}

// MedianCPU is the median CPU time of the samples.
func (s *Series) MedianCPU() time.Duration {
	return Median(s.Samples, func(x Sample) time.Duration { return x.CPU })
}

// Median returns the median of f over samples (the mean of the middle two
// for an even count); zero for none.
func Median(samples []Sample, f func(Sample) time.Duration) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	v := make([]time.Duration, len(samples))
	for i, s := range samples {
		v[i] = f(s)
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}

// PerThousand returns s with every sample's times divided by size/1,000:
// the cost per 1,000 packages of a run over size packages.
func (s *Series) PerThousand(size int) *Series {
	out := &Series{Command: s.Command, Last: s.Last}
	for _, x := range s.Samples {
		out.Samples = append(out.Samples, Sample{
			Wall: time.Duration(float64(x.Wall) * 1000 / float64(size)),
			CPU:  time.Duration(float64(x.CPU) * 1000 / float64(size)),
		})
	}
	return out
}
