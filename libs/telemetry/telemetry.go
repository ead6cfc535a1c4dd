// Package telemetry sets up what every program reports about itself:
// structured JSON logs (log/slog) that carry request and trace ids, a
// Prometheus registry with Go, process and build-info collectors, and
// OpenTelemetry tracing with W3C propagation, exported as configured.
package telemetry

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"runtime/debug"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// LogConfig selects the log level and format.
type LogConfig struct {
	Level  string // debug, info, warn, error
	Format string // json (default) or text
}

// NewLogger returns a logger writing to w that adds the program name and,
// from the context, the request id and trace id to every record.
func NewLogger(w io.Writer, program string, cfg LogConfig) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strOr(cfg.Level, "info"))); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", cfg.Level)
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch strOr(cfg.Format, "json") {
	case "json":
		h = slog.NewJSONHandler(w, opts)
	case "text":
		h = slog.NewTextHandler(w, opts)
	default:
		return nil, fmt.Errorf("log format %q: use json or text", cfg.Format)
	}
	return slog.New(contextHandler{h}).With("program", program), nil
}

func strOr(s, def string) string {
	if s == "" {
		return def
	}
	return strings.ToLower(s)
}

type requestIDKey struct{}

// WithRequestID returns a context carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id of the context, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// contextHandler adds request_id and trace_id from the context.
type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(as)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}

// NewRegistry returns a Prometheus registry with the Go runtime, process and
// build_info collectors registered. Each program has its own registry; the
// global default one is not used.
func NewRegistry(program, version string) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo(program, version),
	)
	return reg
}

func buildInfo(program, version string) prometheus.Collector {
	goVersion, revision := "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "acme_build_info",
		Help:        "Build information of the program; the value is always 1.",
		ConstLabels: prometheus.Labels{"program": program, "version": version, "revision": revision, "goversion": goVersion},
	})
	g.Set(1)
	return g
}

// TraceConfig selects the trace exporter.
type TraceConfig struct {
	// Exporter is none (default: tracing off), stdout, or otlp.
	Exporter string
	// Endpoint is the OTLP/HTTP endpoint (host:port) for otlp.
	Endpoint string
	// Insecure disables TLS to the OTLP endpoint.
	Insecure bool
	// SampleRatio is the fraction of new traces sampled (parent-based).
	SampleRatio float64
}

// SetupTracing installs the global tracer provider and the W3C trace-context
// and baggage propagators. The returned function flushes and stops it.
func SetupTracing(ctx context.Context, program, version string, cfg TraceConfig, stdout io.Writer) (func(context.Context) error, error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	var exp sdktrace.SpanExporter
	var err error
	switch strOr(cfg.Exporter, "none") {
	case "none":
		return func(context.Context) error { return nil }, nil
	case "stdout":
		exp, err = stdouttrace.New(stdouttrace.WithWriter(stdout))
	case "otlp":
		opts := []otlptracehttp.Option{otlptracehttp.WithEndpoint(cfg.Endpoint)}
		if cfg.Insecure {
			opts = append(opts, otlptracehttp.WithInsecure())
		}
		exp, err = otlptracehttp.New(ctx, opts...)
	default:
		return nil, fmt.Errorf("trace exporter %q: use none, stdout or otlp", cfg.Exporter)
	}
	if err != nil {
		return nil, fmt.Errorf("trace exporter: %w", err)
	}
	ratio := cfg.SampleRatio
	if ratio <= 0 {
		ratio = 1
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(program), semconv.ServiceVersion(version))),
	)
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

// OTLP returns the trace configuration for an OTLP/HTTP collector URL such
// as http://otel-collector:4318 (plain HTTP for an http:// URL); an empty or
// unusable URL turns tracing off.
func OTLP(endpoint string, sampleRatio float64) TraceConfig {
	u, err := url.Parse(endpoint)
	if endpoint == "" || err != nil || u.Host == "" {
		return TraceConfig{Exporter: "none"}
	}
	return TraceConfig{Exporter: "otlp", Endpoint: u.Host, Insecure: u.Scheme == "http", SampleRatio: sampleRatio}
}
