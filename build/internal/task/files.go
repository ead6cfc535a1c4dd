package task

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/acme/platform/build/internal/discover"
)

// Files maps slash-separated paths relative to the workspace root to the
// hex sha256 digest of their content (of the target, for a symbolic link),
// followed by " x" for an executable file: the mode bit git records, so
// that a chmod +x misses the cache as a content change does.
type Files map[string]string

// inputDigest is the entry in Files of a file whose content digest is d.
func inputDigest(d string, info fs.FileInfo) string {
	if info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0 {
		return d + " x"
	}
	return d
}

// FileHasher digests files and remembers each digest by the file's stat
// (size, modification and change time, inode), so an unchanged file is not
// read again, in this run or, through the memo file, in the next.
type FileHasher struct {
	root  string
	file  string
	start time.Time

	mu    sync.RWMutex
	m     map[string]memoEntry
	dirty bool
}

type statKey struct {
	size, mtime, ctime int64
	ino                uint64
}

type memoEntry struct {
	key    statKey
	digest [32]byte
	racy   bool // not persisted
}

// racyWindow: a file changed this close to the start of the run may change
// again within the same timestamp, so its digest is not persisted.
const racyWindow = 2 * time.Second

// memoMagic starts the memo file; a file with another start is ignored.
const memoMagic = "mono-filehash-1\n"

// maxMemo bounds the memo file; past it the memo starts afresh.
const maxMemo = 1 << 20

// NewFileHasher returns a hasher for files below root that persists its
// memo in memoFile ("" for none). A missing or unreadable memo is empty.
func NewFileHasher(root, memoFile string) *FileHasher {
	h := &FileHasher{root: root, file: memoFile, start: time.Now(), m: map[string]memoEntry{}}
	if memoFile != "" {
		h.load()
	}
	return h
}

func (h *FileHasher) load() {
	f, err := os.Open(h.file)
	if err != nil {
		return
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	magic := make([]byte, len(memoMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != memoMagic {
		return
	}
	m := map[string]memoEntry{}
	for {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			break
		}
		if n > 4096 {
			return
		}
		p := make([]byte, n)
		var e memoEntry
		if _, err := io.ReadFull(r, p); err != nil {
			return
		}
		var nums [4]uint64
		for i := range nums {
			if nums[i], err = binary.ReadUvarint(r); err != nil {
				return
			}
		}
		if _, err := io.ReadFull(r, e.digest[:]); err != nil {
			return
		}
		e.key = statKey{size: int64(nums[0]), mtime: int64(nums[1]), ctime: int64(nums[2]), ino: nums[3]}
		m[string(p)] = e
	}
	h.m = m
}

// Save writes the memo file when it changed.
func (h *FileHasher) Save() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.file == "" || !h.dirty {
		return nil
	}
	if len(h.m) > maxMemo {
		h.m = map[string]memoEntry{}
	}
	if err := os.MkdirAll(filepath.Dir(h.file), 0o755); err != nil {
		return fmt.Errorf("save file hashes: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(h.file), ".filehash-*")
	if err != nil {
		return fmt.Errorf("save file hashes: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<16)
	w.WriteString(memoMagic)
	var buf [binary.MaxVarintLen64]byte
	putU := func(v uint64) { w.Write(buf[:binary.PutUvarint(buf[:], v)]) }
	for p, e := range h.m {
		if e.racy {
			continue
		}
		putU(uint64(len(p)))
		w.WriteString(p)
		putU(uint64(e.key.size))
		putU(uint64(e.key.mtime))
		putU(uint64(e.key.ctime))
		putU(e.key.ino)
		w.Write(e.digest[:])
	}
	err = w.Flush()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), h.file)
	}
	if err != nil {
		return fmt.Errorf("save file hashes: %w", err)
	}
	h.dirty = false
	return nil
}

// Digest returns the hex digest of the file at rel (slash, relative to the
// root) whose lstat is info.
func (h *FileHasher) Digest(rel string, info fs.FileInfo) (string, error) {
	d, err := h.digest(rel, info)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(d[:]), nil
}

func (h *FileHasher) lookup(rel string, info fs.FileInfo) ([32]byte, bool) {
	k := keyOf(info)
	h.mu.RLock()
	e, ok := h.m[rel]
	h.mu.RUnlock()
	return e.digest, ok && e.key == k
}

func (h *FileHasher) digest(rel string, info fs.FileInfo) ([32]byte, error) {
	if d, ok := h.lookup(rel, info); ok {
		return d, nil
	}
	abs := filepath.Join(h.root, filepath.FromSlash(rel))
	var d [32]byte
	if info.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(abs)
		if err != nil {
			return d, fmt.Errorf("hash %s: %w", rel, err)
		}
		d = sha256.Sum256([]byte("symlink\x00" + target))
	} else {
		f, err := os.Open(abs)
		if err != nil {
			return d, fmt.Errorf("hash %s: %w", rel, err)
		}
		s := sha256.New()
		_, err = io.Copy(s, f)
		f.Close()
		if err != nil {
			return d, fmt.Errorf("hash %s: %w", rel, err)
		}
		copy(d[:], s.Sum(nil))
	}
	k := keyOf(info)
	// A file modified around the start of the run may change again within
	// the same timestamp: its digest serves this run only.
	limit := h.start.Add(-racyWindow).UnixNano()
	racy := k.mtime >= limit || k.ctime >= limit
	h.mu.Lock()
	h.m[rel] = memoEntry{key: k, digest: d, racy: racy}
	if !racy {
		h.dirty = true
	}
	h.mu.Unlock()
	return d, nil
}

// Scanner lists and digests the files of component folders: one walk per
// folder, digests in parallel.
type Scanner struct {
	root   string
	ignore []string
	hasher *FileHasher
	// nested holds every component folder; a walk does not enter another
	// component's folder.
	nested  map[string]bool
	workers int
	// listed are the folders discovery read in this run: not read again.
	listed discover.Listings
}

// alwaysSkipped are folders that are never inputs: dependencies installed
// by a package manager and tool caches written while tasks run.
var alwaysSkipped = map[string]bool{
	"node_modules": true, ".git": true, ".mono": true,
	".pytest_cache": true, ".mypy_cache": true, ".ruff_cache": true, "__pycache__": true,
	".turbo": true, ".next": true, ".cache": true, ".terraform": true, ".venv": true,
}

// alwaysKept are folders read by tests, inputs even when mono.yaml's ignore
// globs (meant for discovery) list them.
var alwaysKept = map[string]bool{"testdata": true}

// NewScanner returns a scanner over root; ignore are the workspace's ignore
// globs, componentDirs the folders of every component and listed the
// folders discovery read in this process (nil: read every folder).
func NewScanner(root string, ignore []string, componentDirs []string, hasher *FileHasher, listed discover.Listings) *Scanner {
	nested := make(map[string]bool, len(componentDirs))
	for _, d := range componentDirs {
		nested[d] = true
	}
	return &Scanner{root: root, ignore: ignore, hasher: hasher, nested: nested, workers: max(4, 2*runtime.GOMAXPROCS(0)), listed: listed}
}

type fileRef struct {
	rel  string
	info fs.FileInfo
	dir  int // index in dirs
}

// Scan returns the files of each folder (slash, relative to the root).
// outputs[i] (if any) are folders below dirs[i] that hold only outputs of
// the task the files are for (dist of dist/**): they are not walked, as
// none of their files could be an input.
func (s *Scanner) Scan(ctx context.Context, dirs []string, outputs [][]string) ([]Files, error) {
	out := make([]Files, len(dirs))
	errs := make([]error, len(dirs))
	var mu sync.Mutex
	var misses []fileRef

	sem := make(chan struct{}, s.workers)
	var wg sync.WaitGroup
	for i, dir := range dirs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			files := Files{}
			var miss []fileRef
			var pruned []string
			if i < len(outputs) {
				pruned = outputs[i]
			}
			errs[i] = s.walk(dir, pruned, func(rel string, info fs.FileInfo) {
				if d, ok := s.hasher.lookup(rel, info); ok {
					files[rel] = inputDigest(hex.EncodeToString(d[:]), info)
					return
				}
				miss = append(miss, fileRef{rel: rel, info: info, dir: i})
			})
			out[i] = files
			mu.Lock()
			misses = append(misses, miss...)
			mu.Unlock()
		})
		if ctx.Err() != nil {
			break
		}
	}
	wg.Wait()
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return nil, err
	}

	digests := make([]string, len(misses))
	herrs := make([]error, len(misses))
	next := make(chan int)
	for range min(s.workers, len(misses)) {
		wg.Go(func() {
			for i := range next {
				digests[i], herrs[i] = s.hasher.Digest(misses[i].rel, misses[i].info)
			}
		})
	}
	for i := range misses {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(herrs...); err != nil {
		return nil, err
	}
	for i, m := range misses {
		out[m.dir][m.rel] = inputDigest(digests[i], m.info)
	}
	return out, nil
}

// walk calls fn for every file of dir that is an input candidate, not
// entering the folders of pruned.
func (s *Scanner) walk(dir string, pruned []string, fn func(rel string, info fs.FileInfo)) error {
	var visit func(rel string) error
	visit = func(rel string) error {
		entries, err := s.listed.ReadDir(s.root, rel)
		if err != nil {
			if rel == dir && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("walk %s: %w", dir, err)
		}
		for _, e := range entries {
			child := rel + "/" + e.Name()
			if e.IsDir() {
				if s.skipDir(child, e.Name()) || slices.Contains(pruned, child) {
					continue
				}
				if err := visit(child); err != nil {
					return err
				}
				continue
			}
			info, err := e.Info()
			if err != nil {
				return fmt.Errorf("walk %s: %w", dir, err)
			}
			if !info.Mode().IsRegular() && info.Mode()&fs.ModeSymlink == 0 {
				continue // sockets, pipes, devices
			}
			fn(child, info)
		}
		return nil
	}
	return visit(dir)
}

func (s *Scanner) skipDir(rel, name string) bool {
	if alwaysSkipped[name] || s.nested[rel] {
		return true
	}
	if alwaysKept[name] {
		return false
	}
	for _, g := range s.ignore {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
		if ok, _ := path.Match(g, rel); ok {
			return true
		}
	}
	return false
}

// Glob digests the files matching a glob relative to the root.
func (s *Scanner) Glob(pattern string) (Files, error) {
	out := Files{}
	err := doublestar.GlobWalk(os.DirFS(s.root), pattern, func(rel string, d fs.DirEntry) error {
		for _, part := range strings.Split(path.Dir(rel), "/") {
			if alwaysSkipped[part] {
				return nil
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		dg, err := s.hasher.Digest(rel, info)
		if err != nil {
			return err
		}
		out[rel] = inputDigest(dg, info)
		return nil
	}, doublestar.WithFilesOnly(), doublestar.WithNoFollow())
	if err != nil {
		return nil, fmt.Errorf("input glob %s: %w", pattern, err)
	}
	return out, nil
}
