package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPercentiles(t *testing.T) {
	t.Parallel()
	r := result{ok: 100, elapsed: 2 * time.Second}
	for i := 1; i <= 100; i++ {
		r.lat = append(r.lat, time.Duration(i)*time.Millisecond)
	}
	if got := r.rps(); got != 50 {
		t.Errorf("rps %v, want 50", got)
	}
	if got := r.pct(0.50); got != 51*time.Millisecond {
		t.Errorf("p50 %v", got)
	}
	if got := r.pct(0.99); got != 100*time.Millisecond {
		t.Errorf("p99 %v", got)
	}
	if (result{}).pct(0.99) != 0 {
		t.Error("p99 of nothing is not 0")
	}
}

func TestReportVerdicts(t *testing.T) {
	t.Parallel()
	mk := func(target string, rps int, p99 time.Duration) result {
		return result{target: target, op: "GET /orders/{id}", ok: rps, elapsed: time.Second, lat: []time.Duration{p99}}
	}
	tests := []struct {
		name string
		rs   []result
		code int
		says []string
	}{
		{"all met", []result{mk("orders-api", 1000, time.Millisecond), mk("fastapi", 90, 5*time.Millisecond), mk("bare", 1100, time.Millisecond)}, 0, []string{"11.1x", "0.91x", "met"}},
		{"fastapi missed", []result{mk("orders-api", 1000, time.Millisecond), mk("fastapi", 200, 5*time.Millisecond)}, 1, []string{"5.0x", "MISSED"}},
		{"higher p99 misses", []result{mk("orders-api", 1000, 9*time.Millisecond), mk("fastapi", 50, 5*time.Millisecond)}, 1, []string{"MISSED"}},
		{"bare missed", []result{mk("orders-api", 700, time.Millisecond), mk("bare", 1000, time.Millisecond)}, 1, []string{"0.70x", "MISSED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			code := report(&b, tt.rs, options{targetFastAPI: 10, targetBare: 0.8})
			if code != tt.code {
				t.Errorf("exit %d, want %d:\n%s", code, tt.code, b.String())
			}
			for _, s := range tt.says {
				if !strings.Contains(b.String(), s) {
					t.Errorf("report lacks %q:\n%s", s, b.String())
				}
			}
		})
	}
}
