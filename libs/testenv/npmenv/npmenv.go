// Package npmenv installs the repository's npm workspaces for tests and
// mono: `npm ci` at the root with the committed package-lock.json, run once
// per lockfile and skipped while node_modules matches it. Concurrent callers
// (parallel test packages, mono dev) wait for one another through a file
// lock.
package npmenv

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
	"syscall"
	"time"
)

// ErrNoNPM means npm is not on PATH.
var ErrNoNPM = errors.New("npm not found on PATH (install Node.js 20 or newer with npm)")

// stampName records, inside node_modules, the lockfile digest it was installed from.
const stampName = ".mono-package-lock.sha256"

// Ensure runs `npm ci` in root unless node_modules was installed from the
// current package-lock.json. Progress goes to log, which may be nil.
func Ensure(ctx context.Context, root string, log func(string)) error {
	if log == nil {
		log = func(string) {}
	}
	lockfile, err := os.ReadFile(filepath.Join(root, "package-lock.json"))
	if err != nil {
		return fmt.Errorf("npm workspaces: %w", err)
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return ErrNoNPM
	}
	state := filepath.Join(root, ".mono")
	if err := os.MkdirAll(state, 0o755); err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(state, "npm-ci.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock npm ci: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)

	sum := sha256.Sum256(lockfile)
	want := hex.EncodeToString(sum[:])
	stamp := filepath.Join(root, "node_modules", stampName)
	if got, err := os.ReadFile(stamp); err == nil && string(got) == want {
		return nil
	}
	start := time.Now()
	log(fmt.Sprintf("npm ci: installing the npm workspaces from package-lock.json (first run, or the lockfile changed; %d packages, usually 1 to 3 minutes)...",
		bytes.Count(lockfile, []byte(`"node_modules/`))))
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		tail := out.Bytes()
		if len(tail) > 4000 {
			tail = tail[len(tail)-4000:]
		}
		return fmt.Errorf("npm ci in %s: %w\n%s", root, err, tail)
	}
	if err := os.WriteFile(stamp, []byte(want), 0o644); err != nil {
		return err
	}
	log(fmt.Sprintf("npm ci: done in %s", time.Since(start).Round(time.Second)))
	return nil
}
