// Package gitx runs the few git commands mono needs: which files changed
// between two revisions and what a file held at a revision.
package gitx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// ErrNotRepo means the folder is not inside a git work tree.
var ErrNotRepo = errors.New("not a git repository")

// ErrBadRef means a revision does not resolve.
var ErrBadRef = errors.New("bad git revision")

// ErrNoMergeBase means two revisions share no history.
var ErrNoMergeBase = errors.New("no common ancestor")

// ErrNoGit means the git program is not installed.
var ErrNoGit = errors.New("git is not installed (apt-get install git)")

// Repo is a git work tree; paths are relative to Dir, which may be a
// subfolder of the repository.
type Repo struct {
	Dir string
}

// Open checks that git is installed and that dir is inside a git work
// tree.
func Open(ctx context.Context, dir string) (*Repo, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, ErrNoGit
	}
	r := &Repo{Dir: dir}
	if _, err := r.git(ctx, "rev-parse", "--is-inside-work-tree"); err != nil {
		return nil, fmt.Errorf("%w: %s (run git init, or run mono inside a clone)", ErrNotRepo, dir)
	}
	return r, nil
}

// Resolve returns the commit id of rev.
func (r *Repo) Resolve(ctx context.Context, rev string) (string, error) {
	if strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("%w %q", ErrBadRef, rev)
	}
	out, err := r.git(ctx, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("%w %q: no such commit, branch or tag here (%s)", ErrBadRef, rev, r.fetchHint(ctx, rev))
	}
	return strings.TrimSpace(string(out)), nil
}

// fetchHint says how to get rev when it does not resolve: a branch of a
// remote is fetched from that remote, a plain branch name from origin.
func (r *Repo) fetchHint(ctx context.Context, rev string) string {
	const pick = "git branch -a or git log --oneline to pick one"
	if strings.ContainsAny(rev, "~^@:{} ") {
		return pick
	}
	out, _ := r.git(ctx, "remote")
	remotes := strings.Fields(string(out))
	for _, remote := range remotes {
		if branch, ok := strings.CutPrefix(rev, remote+"/"); ok && branch != "" {
			return fmt.Sprintf("fetch it: git fetch %s %s; or %s", remote, branch, pick)
		}
	}
	if len(remotes) > 0 {
		return fmt.Sprintf("fetch it: git fetch %s %s:%s, or use %s/%s; or %s", remotes[0], rev, rev, remotes[0], rev, pick)
	}
	return pick
}

// MergeBase returns the best common ancestor of commits a and b: where a
// branch cut from a left it, when b is the branch. It returns ErrNoMergeBase
// when the two share no history, as in a shallow clone.
func (r *Repo) MergeBase(ctx context.Context, a, b string) (string, error) {
	out, err := r.git(ctx, "merge-base", a, b)
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		return "", ErrNoMergeBase
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// ResolveAll returns the commit id of every revision, in one git call.
func (r *Repo) ResolveAll(ctx context.Context, revs ...string) ([]string, error) {
	args := []string{"rev-parse", "--quiet"}
	for _, rev := range revs {
		if strings.HasPrefix(rev, "-") {
			return nil, fmt.Errorf("%w %q", ErrBadRef, rev)
		}
		args = append(args, rev+"^{commit}")
	}
	out, err := r.git(ctx, append(args, "--")...)
	// rev-parse echoes the "--" after the ids.
	if ids := strings.Fields(string(out)); err == nil && len(ids) == len(revs)+1 {
		return ids[:len(revs)], nil
	}
	for _, rev := range revs { // say which one is wrong
		if _, err := r.Resolve(ctx, rev); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrBadRef, strings.Join(revs, " "))
}

// Changed returns the files that differ between base and head, sorted and
// relative to Dir. An empty head compares base with the work tree,
// including untracked files that are not ignored. Renames count as a
// deletion and an addition, so both paths are listed.
func (r *Repo) Changed(ctx context.Context, base, head string) ([]string, error) {
	args := []string{"diff", "--name-only", "-z", "--no-renames", "--relative", base}
	if head != "" {
		args = append(args, head)
	}
	var untracked []byte
	var untrackedErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		if head == "" {
			untracked, untrackedErr = r.git(ctx, "ls-files", "--others", "--exclude-standard", "-z")
		}
	}()
	out, err := r.git(ctx, append(args, "--")...)
	<-done
	if err != nil {
		return nil, err
	}
	if untrackedErr != nil {
		return nil, untrackedErr
	}
	set := map[string]bool{}
	for _, f := range split0(out) {
		set[f] = true
	}
	for _, f := range split0(untracked) {
		set[f] = true
	}
	files := make([]string, 0, len(set))
	for f := range set {
		files = append(files, f)
	}
	sort.Strings(files)
	return files, nil
}

// Read returns the content of file (relative to Dir) at rev, or at the work
// tree when rev is empty. A file that does not exist there gives
// os.ErrNotExist.
func (r *Repo) Read(ctx context.Context, rev, file string) ([]byte, error) {
	if rev == "" {
		return os.ReadFile(filepath.Join(r.Dir, filepath.FromSlash(file)))
	}
	out, err := r.git(ctx, "show", rev+":./"+file)
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") || strings.Contains(err.Error(), "exists on disk, but not in") {
			return nil, fmt.Errorf("%s at %s: %w", file, rev, os.ErrNotExist)
		}
		return nil, err
	}
	return out, nil
}

// Refs returns the names a revision flag accepts, for completion: HEAD,
// then local branches, tags and remote branches (origin/main), as git
// for-each-ref lists them; symbolic remote HEADs are left out. It reads
// only local refs: no fetch.
func (r *Repo) Refs(ctx context.Context) ([]string, error) {
	out, err := r.git(ctx, "for-each-ref", "--format=%(refname)", "refs/heads", "refs/tags", "refs/remotes")
	if err != nil {
		return nil, err
	}
	refs := []string{"HEAD"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" || strings.HasSuffix(line, "/HEAD") {
			continue
		}
		for _, prefix := range []string{"refs/heads/", "refs/tags/", "refs/remotes/"} {
			if name, ok := strings.CutPrefix(line, prefix); ok {
				refs = append(refs, name)
				break
			}
		}
	}
	return refs, nil
}

// Output runs a git command in Dir and returns its standard output.
func (r *Repo) Output(ctx context.Context, args ...string) ([]byte, error) {
	return r.git(ctx, args...)
}

func (r *Repo) git(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = r.Dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, &cmdError{args: args, msg: msg, err: err}
	}
	return out, nil
}

// cmdError is a failed git command: its arguments and what it printed.
type cmdError struct {
	args []string
	msg  string
	err  error
}

func (e *cmdError) Error() string { return fmt.Sprintf("git %s: %s", strings.Join(e.args, " "), e.msg) }
func (e *cmdError) Unwrap() error { return e.err }

func split0(b []byte) []string {
	var out []string
	for _, f := range bytes.Split(b, []byte{0}) {
		if len(f) > 0 {
			out = append(out, string(f))
		}
	}
	return out
}
