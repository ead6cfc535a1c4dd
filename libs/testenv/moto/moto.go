// Package moto gives tests a real AWS API emulator: moto's server (S3,
// Secrets Manager, SSM, SQS, STS and more) from a pinned venv, on a free
// 127.0.0.1 port. Point the AWS SDK at Server.Endpoint (BaseEndpoint) with
// the static test credentials of Server.AWSConfig or Server.Env.
//
// The first use creates the venv under .mono/venvs/moto (pip install, a
// minute or two, then cached while requirements.txt is unchanged); a server
// starts in about a second. The server process stops when its standard
// input closes, so it never outlives the test binary, even one that is
// killed.
package moto

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/acme/platform/libs/testenv"
	"github.com/acme/platform/libs/testenv/pyenv"
)

//go:embed requirements.txt server.py
var files embed.FS

// Test credentials and region the server accepts (moto accepts any).
const (
	Region          = "us-east-1"
	AccessKeyID     = "testing"
	SecretAccessKey = "testing"
)

// Server is a running moto server.
type Server struct {
	// Endpoint is the server's base URL, http://127.0.0.1:<port>.
	Endpoint string

	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *syncBuffer
	done   chan struct{}
	once   sync.Once
}

// Start creates the venv if needed and starts a server. root is the
// repository root (the venv lives under root/.mono/venvs); log receives
// progress and may be nil. ctx bounds the start only.
func Start(ctx context.Context, root string, log func(string)) (*Server, error) {
	reqs, err := files.ReadFile("requirements.txt")
	if err != nil {
		return nil, err
	}
	script, err := files.ReadFile("server.py")
	if err != nil {
		return nil, err
	}
	env, err := pyenv.Ensure(ctx, root, "moto", reqs, log)
	if err != nil {
		return nil, fmt.Errorf("moto venv: %w", err)
	}
	// Not CommandContext: the server must outlive the start's context.
	cmd := exec.Command(env.Python(), "-c", string(script))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s := &Server{cmd: cmd, stdin: stdin, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto: %w", err)
	}
	go func() { _ = cmd.Wait(); close(s.done) }()

	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
				port <- p
			}
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	select {
	case p := <-port:
		s.Endpoint = "http://127.0.0.1:" + p
	case <-s.done:
		return nil, fmt.Errorf("moto exited before it was ready:\n%s", s.stderr.String())
	case <-ctx.Done():
		s.Stop()
		return nil, fmt.Errorf("moto not ready: %w\n%s", ctx.Err(), s.stderr.String())
	}
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// waitReady polls moto's own API until it answers.
func (s *Server) waitReady(ctx context.Context) error {
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/moto-api/data.json", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("moto at %s not answering: %w", s.Endpoint, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop stops the server and waits (bounded) for it to exit.
func (s *Server) Stop() {
	s.once.Do(func() {
		_ = s.stdin.Close()
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
}

// Reset drops everything stored in the server.
func (s *Server) Reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Endpoint+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reset moto: %w", err)
	}
	resp.Body.Close()
	return nil
}

// AWSConfig returns an SDK configuration pointed at the server with the test
// credentials.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		BaseEndpoint: aws.String(s.Endpoint),
	}
}

// Env returns environment variables that point a process using the default
// credential chain at the server.
func (s *Server) Env() map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID":     AccessKeyID,
		"AWS_SECRET_ACCESS_KEY": SecretAccessKey,
		"AWS_REGION":            Region,
		"AWS_ENDPOINT_URL":      s.Endpoint,
	}
}

// New starts a server for t and stops it when t ends. It skips t under
// -short.
func New(t testing.TB) *Server {
	t.Helper()
	s := start(t)
	t.Cleanup(s.Stop)
	return s
}

// shared is the one server of a test binary. A package variable is the
// point here: tests of one binary share the server; it stops when the binary
// exits (its stdin closes).
var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Shared returns the server shared by all tests of the test binary,
// starting it on first use. Tests sharing it use names of their own (or
// Reset when they run alone). It skips t under -short.
func Shared(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("moto: integration test skipped under -short")
	}
	shared.once.Do(func() {
		root, err := testenv.RepoRoot()
		if err != nil {
			shared.err = err
			return
		}
		shared.srv, shared.err = Start(context.Background(), root, func(msg string) { t.Log(msg) })
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.srv
}

func start(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("moto: integration test skipped under -short")
	}
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(context.Background(), root, func(msg string) { t.Log(msg) })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// syncBuffer is a bytes.Buffer safe for the writer goroutine of exec.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 {
		b.buf.Reset()
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
