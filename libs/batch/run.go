package batch

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// DayLayout is how a day is written on the command line and in exports.
const DayLayout = "2006-01-02"

// ParseDay reads the --date flag: a day written 2006-01-02, taken as
// midnight in loc. Empty means yesterday in loc, the last whole day. A day
// that has not started yet is bad input.
func ParseDay(s string, now time.Time, loc *time.Location) (time.Time, error) {
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if s == "" {
		return today.AddDate(0, 0, -1), nil
	}
	d, err := time.ParseInLocation(DayLayout, s, loc)
	if err != nil {
		return time.Time{}, BadInputf("--date %q is not a day like %s", s, today.AddDate(0, 0, -1).Format(DayLayout))
	}
	if d.After(today) {
		return time.Time{}, BadInputf("--date %s is in the future (today is %s in %s)", s, today.Format(DayLayout), loc)
	}
	return d, nil
}

// Summary is what a run reports when it ends: the summary log line and,
// with a summary file, the same as JSON (the XCom of the Airflow task).
type Summary struct {
	Job             string         `json:"job"`
	Outcome         string         `json:"outcome"`
	ExitCode        int            `json:"exit_code"`
	Error           string         `json:"error,omitempty"`
	Started         time.Time      `json:"started"`
	DurationSeconds float64        `json:"duration_seconds"`
	Details         map[string]any `json:"details,omitempty"`
}

// Run reports one run of a job. Create it first thing in run, set the
// logger once the configuration is read, add details as the work goes,
// and defer Finish.
type Run struct {
	job         string
	log         *slog.Logger
	now         func() time.Time
	start       time.Time
	summaryFile string
	keys        []string
	details     map[string]any
}

// Start begins the report of a run of job. Until SetLogger gives it the
// configured logger, it logs JSON lines to w with the job's name as
// program (a run that fails before its configuration is read still ends
// with its summary line).
func Start(job string, w io.Writer, now func() time.Time) *Run {
	log := slog.New(slog.NewJSONHandler(w, nil)).With("program", job)
	return &Run{job: job, log: log, now: now, start: now(), details: map[string]any{}}
}

// SetLogger replaces the logger (the configured one replaces the bootstrap one).
func (r *Run) SetLogger(log *slog.Logger) { r.log = log }

// Logger returns the current logger.
func (r *Run) Logger() *slog.Logger { return r.log }

// SetSummaryFile makes Finish also write the summary as JSON to path
// (KubernetesPodOperator reads /airflow/xcom/return.json).
func (r *Run) SetSummaryFile(path string) { r.summaryFile = path }

// FlagSet returns the job's command line: a flag set named for the job
// that writes its usage to usage, holding --summary-file (every job has
// it; it sets the summary file). Add the job's own flags, then Parse.
func (r *Run) FlagSet(usage io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(r.job, flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&r.summaryFile, "summary-file", "", "also write the run's summary as JSON here (the Airflow XCom)")
	return fs
}

// Add records a detail of the summary; a key added twice keeps the last value.
func (r *Run) Add(key string, value any) {
	if _, ok := r.details[key]; !ok {
		r.keys = append(r.keys, key)
	}
	r.details[key] = value
}

// Finish logs the summary line for the run's outcome and writes the
// summary file. It returns err unchanged, so `return r.Finish(err)` and
// `defer func() { err = r.Finish(err) }()` both read well. A run that only
// printed its usage (flag.ErrHelp) reports nothing.
func (r *Run) Finish(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	code := Code(err)
	s := Summary{
		Job: r.job, Outcome: Outcome(code), ExitCode: code, Started: r.start.UTC(),
		DurationSeconds: r.now().Sub(r.start).Seconds(), Details: r.details,
	}
	attrs := []any{"job", s.Job, "outcome", s.Outcome, "exit_code", code, "duration_seconds", s.DurationSeconds}
	for _, k := range r.keys {
		attrs = append(attrs, k, r.details[k])
	}
	if err != nil {
		s.Error = err.Error()
		attrs = append(attrs, "err", s.Error)
		r.log.Error("summary", attrs...)
	} else {
		r.log.Info("summary", attrs...)
	}
	if r.summaryFile != "" {
		if werr := writeJSON(r.summaryFile, s); werr != nil {
			r.log.Error("write the summary file", "path", r.summaryFile, "err", werr)
			if err == nil {
				return werr
			}
		}
	}
	return err
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
