package db

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

// BenchmarkTrace is the per-statement cost libs/db adds on PostgreSQL: the
// tracer's deadline, timing, histogram and slow-query check.
func BenchmarkTrace(b *testing.B) {
	o := newObserver(Config{Name: "bench"}.WithDefaults(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		t := o.begin(ctx, "SELECT id, name, qty FROM items WHERE id = $1", 1)
		o.end(t, nil, true)
	}
}
