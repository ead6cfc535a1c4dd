// Package pyenv gives tests and mono a Python virtual environment with pinned
// requirements, created once per machine under .mono/venvs and reused while
// the requirements stay the same.
package pyenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Env is a ready virtual environment.
type Env struct {
	Dir string // the venv folder
}

// Bin returns the path of a program installed in the venv.
func (e *Env) Bin(name string) string { return filepath.Join(e.Dir, "bin", name) }

// Python returns the venv's interpreter.
func (e *Env) Python() string { return e.Bin("python") }

// Ensure returns the venv <root>/.mono/venvs/<name> with requirements
// installed, creating or rebuilding it when the requirements changed.
// Concurrent callers (parallel test packages) wait for one another through a
// file lock. Progress goes to log, which may be nil.
func Ensure(ctx context.Context, root, name string, requirements []byte, log func(string)) (*Env, error) {
	if log == nil {
		log = func(string) {}
	}
	if err := os.MkdirAll(filepath.Join(root, ".mono", "venvs"), 0o755); err != nil {
		return nil, err
	}
	// A venv's scripts carry its absolute path in their #! line: create it
	// under the real path, never under a symlink that may go away (a test's
	// temporary workspace linking the repository's .mono).
	base, err := filepath.EvalSymlinks(filepath.Join(root, ".mono", "venvs"))
	if err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(base, name+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, fmt.Errorf("lock venv %s: %w", name, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)

	sum := sha256.Sum256(requirements)
	want := hex.EncodeToString(sum[:])
	env := &Env{Dir: filepath.Join(base, name)}
	stamp := filepath.Join(env.Dir, ".requirements.sha256")
	if got, err := os.ReadFile(stamp); err == nil && string(got) == want {
		if _, err := os.Stat(env.Python()); err == nil {
			return env, nil
		}
	}

	python, err := findPython()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	took := filepath.Join(base, name+".took")
	log(fmt.Sprintf("pyenv: creating the %s venv in %s with %s and pip (first run, or its requirements changed; %s)...", name, env.Dir, python, estimate(took)))
	if err := os.RemoveAll(env.Dir); err != nil {
		return nil, err
	}
	if err := run(ctx, python, "-m", "venv", env.Dir); err != nil {
		return nil, fmt.Errorf("create venv %s: %w", name, err)
	}
	reqFile := filepath.Join(env.Dir, "requirements.txt")
	if err := os.WriteFile(reqFile, requirements, 0o644); err != nil {
		return nil, err
	}
	log(fmt.Sprintf("pyenv: %s: venv created; pip install of the pinned requirements...", name))
	if err := run(ctx, env.Python(), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", reqFile); err != nil {
		return nil, fmt.Errorf("install requirements into venv %s: %w", name, err)
	}
	if err := os.WriteFile(stamp, []byte(want), 0o644); err != nil {
		return nil, err
	}
	elapsed := time.Since(start).Round(time.Second)
	_ = os.WriteFile(took, []byte(elapsed.String()), 0o644) // only the next estimate needs it
	log(fmt.Sprintf("pyenv: %s ready in %s", name, elapsed))
	return env, nil
}

// estimate says how long creating a venv takes: what the last creation of
// the same venv on this machine took (recorded in took), else a range.
func estimate(took string) string {
	if b, err := os.ReadFile(took); err == nil {
		if d, err := time.ParseDuration(strings.TrimSpace(string(b))); err == nil {
			return "about " + d.String() + ", as last time"
		}
	}
	return "usually 1 to 5 minutes: pip downloads and installs the pinned packages"
}

// ErrNoPython means no Python 3.11 or newer is on PATH.
var ErrNoPython = errors.New("python 3.11 or newer not found on PATH (install python3.11 and python3.11-venv)")

func findPython() (string, error) {
	for _, name := range []string{"python3.13", "python3.12", "python3.11", "python3"} {
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		out, err := exec.Command(p, "-c", "import sys; print(sys.version_info >= (3, 11))").Output()
		if err == nil && bytes.HasPrefix(out, []byte("True")) {
			return p, nil
		}
	}
	return "", ErrNoPython
}

func run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", filepath.Base(name), err, tail(out.Bytes(), 4000))
	}
	return nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
