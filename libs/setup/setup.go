// Package setup starts a program the way every program in the repository
// starts: it finds the configuration folder (CONFIG_DIR, default "config"),
// loads and validates the shared section and the program's own (ENV selects
// the environment, the process environment is the variable layer), and
// builds from that configuration what the program reports through: the
// logger (shared.log), the Prometheus registry and OpenTelemetry tracing
// (shared.telemetry). Each program's run calls Load first and defers Close.
//
// Services, jobs and the console server differ only in their Options; what
// they do after Load (database, stores, handlers) stays in their run.
package setup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acme/platform/libs/cloud/blob"
	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
	"github.com/acme/platform/libs/telemetry"
)

// DefaultConfigDir is the configuration folder when CONFIG_DIR is unset,
// relative to the working folder (the repository root locally, the image's
// working folder in the cluster).
const DefaultConfigDir = "config"

// version is the version of every program, set at link time:
// go build -ldflags "-X github.com/acme/platform/libs/setup.version=v1.4.0".
var version = "dev"

// Log buffering of a server: lines are written when 256 KiB are collected
// or every 100ms, and at Close.
const (
	logBufferSize     = 256 << 10
	logFlushInterval  = 100 * time.Millisecond
	tracingStopBudget = 5 * time.Second
)

// Options say which program starts and give it its process.
type Options struct {
	// Program names the program: the program attribute of every log line,
	// the service.name of its spans, the program label of acme_build_info.
	Program string
	// Section is the program's own section of the configuration
	// (components.OrdersAPIName); empty for a program that reads only the
	// shared section.
	Section string
	// BufferLogs batches log lines (flushed every 100ms and at Close): one
	// write per access-log line would cost a busy server much of its
	// throughput. A job leaves it off, so its summary line, written after
	// Close, reaches stdout.
	BufferLogs bool
	// Getenv reads CONFIG_DIR and ENV (os.Getenv).
	Getenv func(string) string
	// Environ is the process environment as KEY=VALUE (os.Environ()): the
	// variable layer of the configuration (SHARED__LOG__LEVEL=debug).
	Environ []string
	// Stdout receives the log lines.
	Stdout io.Writer
}

// Program is a started program: its configuration and what it reports
// through.
type Program[T any] struct {
	// Program holds the shared section (Shared), the program's own (Own)
	// and the loaded Set (Set.Env() is the environment).
	*components.Program[T]
	// Log writes shared.log.format lines at shared.log.level to Stdout,
	// each with the program's name.
	Log *slog.Logger
	// Metrics is the program's Prometheus registry, with the Go, process
	// and acme_build_info collectors.
	Metrics *prometheus.Registry
	// Tracing is the trace export shared.telemetry chose (Exporter "none"
	// when shared.telemetry.otlp_endpoint is empty).
	Tracing telemetry.TraceConfig
	// ConfigDir is the configuration folder read.
	ConfigDir string
	// WorkDir is the working folder: relative paths in the configuration
	// (a SQLite file, a local blob folder) are taken from it.
	WorkDir string

	ctx   context.Context
	stops []func(context.Context) error
}

// Load starts the program: it reads and validates the configuration from
// the configuration folder, starting from own (the defaults of the
// program's section), then builds the logger, the registry and tracing.
// A broken configuration is an error naming the file, the line and the key
// (config.Problems); an unknown ENV wraps config.ErrUnknownEnv.
func Load[T any](ctx context.Context, opts Options, own T) (*Program[T], error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	dir := getenv("CONFIG_DIR")
	if dir == "" {
		dir = DefaultConfigDir
	}
	cfg, err := components.Load(ctx, config.Options{FS: os.DirFS(dir), Dir: dir, Env: getenv("ENV"), Environ: opts.Environ}, opts.Section, own)
	if err != nil {
		return nil, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("working folder: %w", err)
	}
	p := &Program[T]{Program: cfg, ConfigDir: dir, WorkDir: wd, ctx: context.WithoutCancel(ctx)}
	out := opts.Stdout
	if out == nil {
		out = io.Discard
	}
	if opts.BufferLogs {
		buf := telemetry.NewBufferedWriter(out, logBufferSize, logFlushInterval)
		p.stops = append(p.stops, func(context.Context) error { return buf.Close() })
		out = buf
	}
	log := cfg.Shared.Log
	if p.Log, err = telemetry.NewLogger(out, opts.Program, telemetry.LogConfig{Level: log.Level, Format: log.Format}); err != nil {
		return nil, errors.Join(fmt.Errorf("shared.log: %w", err), p.Close())
	}
	p.Metrics = telemetry.NewRegistry(opts.Program, version)
	tel := cfg.Shared.Telemetry
	p.Tracing = telemetry.OTLP(tel.OTLPEndpoint, tel.SampleRatio)
	stop, err := telemetry.SetupTracing(ctx, opts.Program, version, p.Tracing, out)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("shared.telemetry: %w", err), p.Close())
	}
	// Tracing stops before the log is flushed: what it reports on the way
	// out still reaches the log.
	p.stops = append(p.stops, stop)
	return p, nil
}

// Starting logs the program's first line, "starting", with the environment,
// the version and the program's own details (key/value pairs).
func (p *Program[T]) Starting(args ...any) {
	p.Log.Info("starting", append([]any{"env", p.Set.Env(), "version", version}, args...)...)
}

// Close stops tracing (sending the spans not yet exported, for at most 5s)
// and flushes the log. Defer it right after Load; it is safe to call twice.
func (p *Program[T]) Close() error {
	ctx, cancel := context.WithTimeout(p.ctx, tracingStopBudget)
	defer cancel()
	var errs []error
	for i := len(p.stops) - 1; i >= 0; i-- {
		errs = append(errs, p.stops[i](ctx))
	}
	p.stops = nil
	return errors.Join(errs...)
}

// Run is a program's run: ctx ends on SIGINT or SIGTERM; getenv, environ
// and stdout are the process's (tests pass their own).
type Run func(ctx context.Context, getenv func(string) string, environ []string, stdout io.Writer) error

// Main runs a server program: run gets a context that SIGINT and SIGTERM
// cancel, the process environment and stdout. It returns the exit code for
// main to exit with once: os.Exit(setup.Main(program, run)).
func Main(program string, run Run) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return exitCode(os.Stderr, program, run(ctx, os.Getenv, os.Environ(), os.Stdout))
}

// exitCode reports how a program's run ended: 0 when err is nil; otherwise
// it writes err as one JSON line to w (stderr: the configured logger is
// closed, or was never built) and returns 1.
func exitCode(w io.Writer, program string, err error) int {
	if err == nil {
		return 0
	}
	slog.New(slog.NewJSONHandler(w, nil)).With("program", program).Error(program+" stopped", "err", err)
	return 1
}

// Blob opens the logical blob store name (a key of shared.blobs) with the
// AWS configuration of shared.aws; a local store's folder is taken from
// WorkDir.
func (p *Program[T]) Blob(ctx context.Context, name string) (blob.Store, error) {
	awsCfg, err := config.NewAWSConfig(ctx, p.Shared.AWS)
	if err != nil {
		return nil, err
	}
	return blob.Open(ctx, name, p.Shared.Blobs, blob.Options{AWS: awsCfg, BaseDir: p.WorkDir})
}
