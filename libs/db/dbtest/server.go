package dbtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbconf"
	"github.com/acme/platform/libs/db/migrate"
)

// DefaultBinDir is where Debian's postgresql-15 package puts its programs.
const DefaultBinDir = "/usr/lib/postgresql/15/bin"

// BinDirEnv overrides DefaultBinDir.
const BinDirEnv = "MONO_PG_BIN"

// Password is the superuser password of a test server (TCP logins need it;
// the server listens on 127.0.0.1 only).
const Password = "dbtest-secret"

// Server is a PostgreSQL server running from the local binaries in a
// temporary folder. Start one with Start and end it with Stop.
type Server struct {
	Host string
	Port int
	User string

	dir   string
	cmd   *exec.Cmd
	done  chan struct{}
	admin *pgxpool.Pool

	mu        sync.Mutex
	templates map[string]*template
	seq       atomic.Int64
}

type template struct {
	ready chan struct{}
	name  string
	err   error
}

// Start runs initdb and postgres in a new temporary folder and waits until
// the server accepts connections. As root, both run as the postgres user
// (initdb refuses root). The server dies with the process that started it.
func Start(ctx context.Context) (*Server, error) {
	bin := os.Getenv(BinDirEnv)
	if bin == "" {
		bin = DefaultBinDir
	}
	if _, err := os.Stat(filepath.Join(bin, "postgres")); err != nil {
		return nil, fmt.Errorf("dbtest: no PostgreSQL binaries in %s (install postgresql-15, or set %s): %w", bin, BinDirEnv, err)
	}
	dir, err := os.MkdirTemp("", "dbtest-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{Host: "127.0.0.1", User: "postgres", dir: dir, templates: map[string]*template{}, done: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			_ = s.Stop()
		}
	}()
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	data, sock, pwfile, logPath := filepath.Join(dir, "data"), filepath.Join(dir, "sock"), filepath.Join(dir, "pw"), filepath.Join(dir, "postgres.log")
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	for _, d := range []string{data, sock} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(pwfile, []byte(Password+"\n"), 0o600); err != nil {
		return nil, err
	}
	if cred != nil {
		for _, p := range []string{data, sock, pwfile} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				return nil, fmt.Errorf("dbtest: chown %s to postgres: %w", p, err)
			}
		}
	}

	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", s.User, "--pwfile", pwfile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("dbtest: initdb: %w\n%s", err, out)
	}

	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s.Port = port
		s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-h", s.Host, "-p", strconv.Itoa(port), "-k", sock,
			"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
			"-c", "max_connections=400", "-c", "shared_buffers=32MB", "-c", "dynamic_shared_memory_type=mmap",
			"-c", "log_min_messages=warning", "-c", "max_locks_per_transaction=256")
		s.cmd.Stdout, s.cmd.Stderr = logf, logf
		// Pdeathsig is tied to the starting thread: keep the goroutine on
		// one thread for the fork, and let postgres shut down fast when the
		// test binary dies without calling Stop.
		s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGINT, Setpgid: true}
		runtime.LockOSThread()
		err = s.cmd.Start()
		runtime.UnlockOSThread()
		if err != nil {
			return nil, fmt.Errorf("dbtest: start postgres: %w", err)
		}
		s.done = make(chan struct{})
		go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(s.cmd, s.done)
		err = s.waitReady(ctx)
		if err == nil {
			break
		}
		_ = s.kill()
		logText, _ := os.ReadFile(logPath)
		if attempt < 2 && bytes.Contains(logText, []byte("could not bind")) {
			continue // someone took the port between freePort and bind
		}
		return nil, fmt.Errorf("dbtest: postgres did not start: %w\n%s", err, tail(logText))
	}
	admin, err := pgxpool.New(ctx, s.dsn("postgres")+" pool_max_conns=4")
	if err != nil {
		return nil, err
	}
	s.admin = admin
	ok = true
	return s, nil
}

func (s *Server) dsn(database string) string {
	return fmt.Sprintf("host=%s port=%d user=%s password=%s dbname=%s sslmode=disable", s.Host, s.Port, s.User, Password, database)
}

// waitReady polls until a connection succeeds (at most 60 s).
func (s *Server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(cctx, s.dsn("postgres"))
		cancel()
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-s.done:
			return errors.New("postgres exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no connection after 60s: %w", err)
		}
	}
}

// Config returns a libs/db config for database on this server: the
// mapping of shared.database with its defaults, pointed at this server
// (no TLS on loopback).
func (s *Server) Config(database string) db.Config {
	shared := components.DefaultShared()
	c := &shared.Database
	c.Driver, c.Host, c.Port, c.Name, c.User = "postgres", s.Host, s.Port, database, s.User
	c.Password, c.SSLMode = config.NewSecret(Password), "disable"
	cfg, err := dbconf.FromShared(database, shared, "")
	if err != nil {
		panic(err) // every postgres field is set above
	}
	cfg.ConnectAttempts = 3
	return cfg
}

// Stop shuts the server down (fast shutdown, then kill) and removes its folder.
func (s *Server) Stop() error {
	if s.admin != nil {
		s.admin.Close()
	}
	err := s.kill()
	if rmErr := os.RemoveAll(s.dir); err == nil {
		err = rmErr
	}
	return err
}

func (s *Server) kill() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
		return nil
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
		return errors.New("dbtest: postgres did not stop within 15s; killed")
	}
}

// Template returns the name of a template database with set migrated up,
// creating it on first use. A set is identified by its name and the
// content of its postgres files.
func (s *Server) Template(ctx context.Context, set migrate.Set) (string, error) {
	key, err := setKey(set)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	t, ok := s.templates[key]
	if !ok {
		t = &template{ready: make(chan struct{}), name: "tmpl_" + ident(set.Name) + "_" + key[len(key)-8:]}
		s.templates[key] = t
	}
	s.mu.Unlock()
	if ok {
		select {
		case <-t.ready:
			return t.name, t.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	t.err = s.makeTemplate(ctx, t.name, set)
	close(t.ready)
	return t.name, t.err
}

func (s *Server) makeTemplate(ctx context.Context, name string, set migrate.Set) error {
	if _, err := s.admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("dbtest: create template %s: %w", name, err)
	}
	if set.FS != nil {
		d, err := db.Open(ctx, s.Config(name))
		if err != nil {
			return err
		}
		m, err := migrate.New(d, set, migrate.Options{})
		if err == nil {
			_, err = m.Up(ctx)
		}
		_ = d.Close()
		if err != nil {
			return fmt.Errorf("dbtest: migrate template of %s: %w", set.Name, err)
		}
	}
	_, err := s.admin.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
	return err
}

// CreateDatabase clones the set's template into a new database and returns
// its name. Drop it with DropDatabase.
func (s *Server) CreateDatabase(ctx context.Context, set migrate.Set) (string, error) {
	tmpl, err := s.Template(ctx, set)
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("t%d_%s", s.seq.Add(1), ident(set.Name))
	q := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + pgx.Identifier{tmpl}.Sanitize()
	for attempt := 0; ; attempt++ {
		_, err = s.admin.Exec(ctx, q)
		var pe *pgconn.PgError
		// 55006: the template is briefly in use by a concurrent clone.
		if err == nil || !errors.As(err, &pe) || pe.Code != "55006" || attempt == 50 {
			break
		}
		time.Sleep(time.Duration(20+attempt*10) * time.Millisecond)
	}
	if err != nil {
		return "", fmt.Errorf("dbtest: clone %s: %w", tmpl, err)
	}
	return name, nil
}

// DropDatabase drops a database, closing its remaining connections.
func (s *Server) DropDatabase(ctx context.Context, name string) error {
	_, err := s.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

// runAs returns the credentials of the postgres user when running as root.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("dbtest: running as root needs a postgres user (initdb refuses root): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var nonIdent = regexp.MustCompile(`[^a-z0-9_]+`)

func ident(s string) string {
	s = nonIdent.ReplaceAllString(strings.ToLower(s), "_")
	if len(s) > 30 {
		s = s[:30]
	}
	if s == "" {
		s = "empty"
	}
	return s
}

// setKey hashes the set's name and postgres files.
func setKey(set migrate.Set) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", set.Name)
	if set.FS != nil {
		sub, err := set.Dialect(db.Postgres)
		if err != nil {
			return "", err
		}
		err = fs.WalkDir(sub, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := fs.ReadFile(sub, p)
			fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
			h.Write(b)
			return err
		})
		if err != nil {
			return "", fmt.Errorf("dbtest: read migration set %s: %w", set.Name, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func tail(b []byte) []byte {
	if len(b) > 4000 {
		return b[len(b)-4000:]
	}
	return b
}
