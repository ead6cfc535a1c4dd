package batch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/acme/platform/libs/batch"
	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/db"
)

func TestCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, batch.ExitOK},
		{"plain", errors.New("boom"), batch.ExitFailed},
		{"bad input", batch.BadInputf("--date %q", "x"), batch.ExitBadInput},
		{"wrapped bad input", fmt.Errorf("parse: %w", batch.BadInputf("x")), batch.ExitBadInput},
		{"unavailable", batch.Unavailable("write", errors.New("503")), batch.ExitUnavailable},
		{"database unreachable", fmt.Errorf("open: %w", db.ErrUnreachable), batch.ExitUnavailable},
		{"aws provider down", fmt.Errorf("load: %w", config.ErrUnavailable), batch.ExitUnavailable},
		{"deadline", context.DeadlineExceeded, batch.ExitUnavailable},
		{"aws retries exhausted", &retry.MaxAttemptsError{Attempt: 5, Err: errors.New("throttled")}, batch.ExitUnavailable},
		{"network", &net.OpError{Op: "dial", Err: errors.New("refused")}, batch.ExitUnavailable},
		{"invalid config", fmt.Errorf("load: %w", config.ErrInvalid), batch.ExitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := batch.Code(tt.err); got != tt.want {
				t.Errorf("Code(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
	if batch.Unavailable("x", nil) != nil {
		t.Error("Unavailable(nil) is not nil")
	}
}

func TestParseDay(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 0, 30, 0, 0, time.UTC)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	tests := []struct {
		in   string
		loc  *time.Location
		want string // 2006-01-02, or "" for bad input
	}{
		{"", time.UTC, "2026-11-27"},
		{"", ny, "2026-11-26"}, // 19:30 on the 27th in New York
		{"2026-03-01", time.UTC, "2026-03-01"},
		{"2026-11-28", time.UTC, "2026-11-28"},
		{"2026-11-29", time.UTC, ""},
		{"2026-3-1", time.UTC, ""},
		{"yesterday", time.UTC, ""},
	}
	for _, tt := range tests {
		got, err := batch.ParseDay(tt.in, now, tt.loc)
		switch {
		case tt.want == "" && !errors.Is(err, batch.ErrBadInput):
			t.Errorf("ParseDay(%q) = %v, %v; want bad input", tt.in, got, err)
		case tt.want != "" && (err != nil || got.Format(batch.DayLayout) != tt.want || got.Location() != tt.loc):
			t.Errorf("ParseDay(%q, %s) = %v, %v; want %s", tt.in, tt.loc, got, err, tt.want)
		}
	}
}

func TestRunFinish(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	clock := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(1500 * time.Millisecond); return clock }
	r := batch.Start("sales-rollup", &buf, now)
	file := filepath.Join(t.TempDir(), "xcom", "return.json")
	r.SetSummaryFile(file)
	r.Add("day", "2026-11-27")
	r.Add("rows_written", 3)
	r.Add("rows_written", 4)
	err := r.Finish(batch.Unavailable("open the orders database", errors.New("refused")))
	if batch.Code(err) != batch.ExitUnavailable {
		t.Fatalf("Finish changed the error: %v", err)
	}
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	if line["msg"] != "summary" || line["level"] != "ERROR" || line["outcome"] != "unavailable" || line["exit_code"] != float64(3) ||
		line["rows_written"] != float64(4) || line["duration_seconds"] != 1.5 || !strings.Contains(line["err"].(string), "refused") {
		t.Errorf("summary line = %v", line)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var s batch.Summary
	if err := json.Unmarshal(raw, &s); err != nil || s.Job != "sales-rollup" || s.ExitCode != 3 || s.Details["day"] != "2026-11-27" {
		t.Errorf("summary file = %s (%v)", raw, err)
	}
}

// TestFlagSet: every job's command line has --summary-file; -h is success
// with no summary, a mistake or a stray argument is bad input.
func TestFlagSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		code    int
		summary bool
	}{
		{"ok", []string{"--days", "3"}, batch.ExitOK, true},
		{"help", []string{"-h"}, batch.ExitOK, false},
		{"unknown flag", []string{"--dayz", "3"}, batch.ExitBadInput, true},
		{"bad value", []string{"--days", "x"}, batch.ExitBadInput, true},
		{"stray argument", []string{"2026-03-01"}, batch.ExitBadInput, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, usage bytes.Buffer
			file := filepath.Join(t.TempDir(), "summary.json")
			r := batch.Start("job", &out, time.Now)
			fs := r.FlagSet(&usage)
			fs.Int("days", 1, "days")
			err := r.Finish(batch.Parse(fs, append([]string{"--summary-file", file}, tt.args...)))
			if got := batch.Code(err); got != tt.code {
				t.Errorf("Code(%v) = %d, want %d", err, got, tt.code)
			}
			_, statErr := os.Stat(file)
			if summary := strings.Contains(out.String(), `"msg":"summary"`); summary != tt.summary || (statErr == nil) != tt.summary {
				t.Errorf("summary line %v, file %v; want %v:\n%s", summary, statErr, tt.summary, out.String())
			}
		})
	}
}
