package db

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"
)

// BenchmarkTrace is the per-statement cost libs/db adds on PostgreSQL: the
// tracer's deadline, timing, histogram and slow-query check.
func BenchmarkTrace(b *testing.B) {
	o := newObserver(Config{Name: "bench", QueryTimeout: 30 * time.Second}.withTuning(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	deadline, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
	}{{"no deadline (default added)", context.Background()}, {"caller deadline", deadline}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				t := o.begin(c.ctx, "SELECT id, name, qty FROM items WHERE id = $1", 1)
				o.end(t, nil, true)
			}
		})
	}
}
