package devcmd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// proc is one running program.
type proc struct {
	prog Program
	base string

	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{} // closed when cmd has exited
	stopping bool
}

// supervisor starts, restarts and stops the programs.
type supervisor struct {
	env           *Env
	procs         []*proc
	byName        map[string]*proc
	healthTimeout time.Duration
}

// build compiles the Go programs of ps in one go build.
func (s *supervisor) build(ctx context.Context, ps ...*proc) error {
	var pkgs []string
	for _, p := range ps {
		if p.prog.Build != nil {
			if err := p.prog.Build(ctx, s.env); err != nil {
				return fmt.Errorf("build %s: %w", p.prog.Name, err)
			}
			continue
		}
		if p.prog.Pkg != "" {
			pkgs = append(pkgs, p.prog.Pkg)
		}
	}
	if len(pkgs) == 0 {
		return nil
	}
	w := s.env.out.writer("build")
	defer w.Flush()
	cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-o", s.env.Bin + string(filepath.Separator)}, pkgs...)...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = s.env.Root, s.env.Environ, w, w
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", strings.Join(pkgs, " "), err)
	}
	s.env.out.line("build", fmt.Sprintf("built %s in %s", strings.Join(pkgs, " "), time.Since(start).Round(100*time.Millisecond)))
	return nil
}

// command is how a program is run.
func (s *supervisor) command(p Program) []string {
	if p.Command != nil {
		return p.Command(s.env)
	}
	return []string{filepath.Join(s.env.Bin, filepath.Base(p.Pkg))}
}

// start runs p's program and returns once it answers its health check.
func (s *supervisor) start(ctx context.Context, p *proc) error {
	argv := s.command(p.prog)
	w := s.env.out.writer(p.prog.Name)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = s.env.Root, s.env.Environ, w, w
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.prog.Name, err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.stopping = cmd, done, false
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		w.Flush()
		close(done)
		p.mu.Lock()
		stopping := p.stopping
		p.mu.Unlock()
		if !stopping {
			s.env.out.line("mono", fmt.Sprintf("%s exited (%v); save one of its files to rebuild and restart it", p.prog.Name, exitText(err)))
		}
	}()
	return s.waitHealthy(ctx, p, done)
}

func exitText(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}

// waitHealthy polls the health path until it answers 200.
func (s *supervisor) waitHealthy(ctx context.Context, p *proc, done <-chan struct{}) error {
	if p.prog.Health == "" {
		return nil
	}
	client := &http.Client{Timeout: time.Second}
	deadline := time.NewTimer(s.healthTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.base+p.prog.Health, nil)
		if res, err := client.Do(req); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-done:
			return fmt.Errorf("%s exited before it answered %s (its log is above)", p.prog.Name, p.base+p.prog.Health)
		case <-deadline.C:
			return fmt.Errorf("%s did not answer %s within %s (its log is above)", p.prog.Name, p.base+p.prog.Health, s.healthTimeout)
		case <-tick.C:
		}
	}
}

// stop ends p's program: SIGINT to its process group, then SIGKILL after
// a grace period.
func (s *supervisor) stop(p *proc) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.stopping = true
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	interrupt(cmd)
	select {
	case <-done:
	case <-time.After(25 * time.Second):
		s.env.out.line("mono", p.prog.Name+" did not stop within 25s; killing it")
		kill(cmd)
		<-done
	}
}

// startAll migrates, builds and starts every program in order, then seeds.
func (s *supervisor) startAll(ctx context.Context, noSeed bool) error {
	for _, p := range s.procs {
		if p.prog.Migrations {
			if err := s.env.migrate(ctx, p.prog.Name); err != nil {
				return err
			}
		}
	}
	if err := s.build(ctx, s.procs...); err != nil {
		return err
	}
	for _, p := range s.procs {
		s.env.out.line("mono", "starting "+p.prog.Name)
		if err := s.start(ctx, p); err != nil {
			return err
		}
	}
	if noSeed {
		return nil
	}
	for _, p := range s.procs {
		if p.prog.Seed == nil {
			continue
		}
		if missing := s.missing(p.prog.After); len(missing) > 0 {
			s.env.out.line("mono", fmt.Sprintf("seed %s skipped: it needs %s", p.prog.Name, strings.Join(missing, ", ")))
			continue
		}
		msg, err := p.prog.Seed(ctx, s.env, p.base)
		if err != nil {
			// Seed data is a convenience: say so and go on.
			s.env.out.line("mono", fmt.Sprintf("seed %s: %v", p.prog.Name, err))
			continue
		}
		s.env.out.line("mono", msg)
	}
	return nil
}

// missing returns the names that no started program has.
func (s *supervisor) missing(names []string) []string {
	var out []string
	for _, n := range names {
		if _, ok := s.byName[n]; !ok {
			out = append(out, n)
		}
	}
	return out
}

// stopAll stops the programs, last started first.
func (s *supervisor) stopAll() {
	for i := len(s.procs) - 1; i >= 0; i-- {
		s.stop(s.procs[i])
	}
	s.env.out.line("mono", "all programs stopped")
}

// printReady prints the URLs.
func (s *supervisor) printReady(ctx context.Context) {
	var b strings.Builder
	b.WriteString("\nmono dev: ready. Ctrl-C stops everything; saving a file rebuilds what it affects.\n\n")
	for _, p := range s.procs {
		fmt.Fprintf(&b, "  %-12s %s\n", p.prog.Name, p.base)
		for _, l := range p.prog.Links {
			fmt.Fprintf(&b, "  %-12s   %-8s %s%s\n", "", l.Label, p.base, l.Path)
		}
		if p.prog.Extra != nil {
			lines, err := p.prog.Extra(ctx, s.env)
			if err != nil {
				lines = []string{"(" + err.Error() + ")"}
			}
			for _, l := range lines {
				fmt.Fprintf(&b, "  %-12s   %s\n", "", l)
			}
		}
	}
	fmt.Fprintf(&b, "\n  state in %s\n\n", s.env.Dir)
	s.env.out.raw(b.String())
}

// restart rebuilds p and swaps the running program for the new build. A
// failed build keeps the old one.
func (s *supervisor) restart(ctx context.Context, p *proc, migrate bool) {
	if migrate {
		if err := s.env.migrate(ctx, p.prog.Name); err != nil {
			s.env.out.line("mono", fmt.Sprintf("%v; %s keeps running the old build", err, p.prog.Name))
			return
		}
	}
	if err := s.build(ctx, p); err != nil {
		if ctx.Err() == nil {
			s.env.out.line("mono", fmt.Sprintf("%v; %s keeps running the old build", err, p.prog.Name))
		}
		return
	}
	s.stop(p)
	if err := s.start(ctx, p); err != nil {
		if !errors.Is(err, context.Canceled) {
			s.env.out.line("mono", err.Error())
		}
		return
	}
	s.env.out.line("mono", fmt.Sprintf("%s restarted: %s", p.prog.Name, p.base))
}
