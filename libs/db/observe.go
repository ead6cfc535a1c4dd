package db

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"
)

// observer times every statement, applies the default deadline, feeds the
// latency histogram and logs slow statements. On PostgreSQL it is the pgx
// tracer (it sees bun, database/sql and native pgx statements alike); on
// SQLite it is a bun query hook.
type observer struct {
	cfg     Config
	log     *slog.Logger
	latency *prometheus.HistogramVec
	// observers are the histogram children per operation and outcome,
	// resolved once: the label lookup is too slow for the hot path.
	observers [len(operations)][2]prometheus.Observer
}

var (
	_ pgx.QueryTracer = (*observer)(nil)
	_ bun.QueryHook   = (*observer)(nil)
)

func newObserver(cfg Config, log *slog.Logger) *observer {
	o := &observer{
		cfg: cfg,
		log: log,
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:        "db_query_duration_seconds",
			Help:        "Duration of database statements by operation and outcome.",
			ConstLabels: prometheus.Labels{"db": cfg.Name},
			Buckets:     []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"op", "outcome"}),
	}
	for i, op := range operations {
		o.observers[i][0] = o.latency.WithLabelValues(op, "ok")
		o.observers[i][1] = o.latency.WithLabelValues(op, "error")
	}
	return o
}

type traceKey struct{}

// trace is a statement in flight. It is also the context the statement
// runs under (one allocation instead of a value context plus a record).
type trace struct {
	context.Context
	start  time.Time
	sql    string
	args   int
	cancel context.CancelFunc
}

// Value implements context.Context.
func (t *trace) Value(key any) any {
	if key == (traceKey{}) {
		return t
	}
	return t.Context.Value(key)
}

// begin starts timing a statement and bounds ctx by the query timeout.
func (o *observer) begin(ctx context.Context, sql string, args int) *trace {
	t := &trace{Context: ctx, start: time.Now(), sql: sql, args: args}
	if _, ok := ctx.Deadline(); !ok {
		t.Context, t.cancel = context.WithTimeout(ctx, o.cfg.QueryTimeout)
	}
	return t
}

// end records a finished statement.
func (o *observer) end(t *trace, err error, release bool) {
	d := time.Since(t.start)
	if release && t.cancel != nil {
		t.cancel()
	}
	outcome := 0
	if err != nil && !isNoRows(err) {
		outcome = 1
	}
	o.observers[operation(t.sql)][outcome].Observe(d.Seconds())
	if o.cfg.SlowQuery > 0 && d >= o.cfg.SlowQuery {
		o.log.Warn("slow query", "duration", d, "sql", Redact(t.sql), "args", t.args, "outcome", [2]string{"ok", "error"}[outcome])
	}
}

// TraceQueryStart implements pgx.QueryTracer.
func (o *observer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	return o.begin(ctx, data.SQL, len(data.Args))
}

// TraceQueryEnd implements pgx.QueryTracer; for queries pgx calls it when
// the rows are closed, so the deadline covers reading them.
func (o *observer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	if t, ok := ctx.Value(traceKey{}).(*trace); ok {
		o.end(t, data.Err, true)
	}
}

// BeforeQuery implements bun.QueryHook.
func (o *observer) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	return o.begin(ctx, e.Query, 0)
}

// AfterQuery implements bun.QueryHook. A raw QueryContext/QueryRowContext
// returns rows still to be read when this runs; its deadline is left to
// expire on its own instead of being cancelled under the reader.
func (o *observer) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	t, ok := ctx.Value(traceKey{}).(*trace)
	if !ok {
		return
	}
	release := e.IQuery != nil || e.Result != nil || e.Err != nil
	o.end(t, e.Err, release)
}

// operations are the values of the op label: a statement's first keyword
// from a short list, else "other" (the label must stay low-cardinality).
var operations = [...]string{"other", "select", "insert", "update", "delete", "with", "begin", "commit", "rollback", "savepoint", "release", "create", "alter", "drop", "copy"}

// operation returns the index in operations of sql's first keyword, without
// allocating.
func operation(sql string) int {
	i := 0
	for i < len(sql) && (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\r' || sql[i] == '\n' || sql[i] == '(') {
		i++
	}
	j := i
	for j < len(sql) && (sql[j] >= 'a' && sql[j] <= 'z' || sql[j] >= 'A' && sql[j] <= 'Z') {
		j++
	}
	word := sql[i:j]
	for k, op := range operations[1:] {
		if strings.EqualFold(word, op) {
			return k + 1
		}
	}
	return 0
}

// Redact returns sql with every literal (strings, numbers, dollar-quoted
// bodies) replaced by ?, keeping keywords, identifiers and $n placeholders.
// bun formats argument values into the statement text, so this is what
// keeps data out of the slow-query log.
func Redact(sql string) string {
	var b strings.Builder
	b.Grow(len(sql))
	n := len(sql)
	identByte := func(c byte) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
	}
	for i := 0; i < n; {
		c := sql[i]
		switch {
		case c == '\'':
			escapes := i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e') && (i < 2 || !identByte(sql[i-2]))
			j := i + 1
			for j < n {
				if escapes && sql[j] == '\\' {
					j += 2
					continue
				}
				if sql[j] == '\'' {
					if j+1 < n && sql[j+1] == '\'' {
						j += 2
						continue
					}
					j++
					break
				}
				j++
			}
			if escapes {
				s := b.String() // drop the E prefix already written
				b.Reset()
				b.WriteString(s[:len(s)-1])
			}
			b.WriteByte('?')
			i = j
		case c == '"' || c == '`':
			j := i + 1
			for j < n && sql[j] != c {
				j++
			}
			if j < n {
				j++
			}
			b.WriteString(sql[i:j])
			i = j
		case c == '$' && i+1 < n && sql[i+1] >= '0' && sql[i+1] <= '9':
			j := i + 1
			for j < n && sql[j] >= '0' && sql[j] <= '9' {
				j++
			}
			b.WriteString(sql[i:j])
			i = j
		case c == '$' && (i == 0 || !identByte(sql[i-1])):
			// $tag$ ... $tag$
			j := i + 1
			for j < n && (identByte(sql[j]) && !(sql[j] >= '0' && sql[j] <= '9' && j == i+1)) {
				j++
			}
			if j < n && sql[j] == '$' {
				tag := sql[i : j+1]
				if end := strings.Index(sql[j+1:], tag); end >= 0 {
					b.WriteByte('?')
					i = j + 1 + end + len(tag)
					continue
				}
				b.WriteByte('?')
				i = n
				continue
			}
			b.WriteByte(c)
			i++
		case c >= '0' && c <= '9' && (i == 0 || !identByte(sql[i-1])):
			j := i
			if c == '0' && i+1 < n && (sql[i+1] == 'x' || sql[i+1] == 'X') {
				j += 2
				for j < n && (sql[j] >= '0' && sql[j] <= '9' || sql[j] >= 'a' && sql[j] <= 'f' || sql[j] >= 'A' && sql[j] <= 'F') {
					j++
				}
			}
			for j < n && (sql[j] >= '0' && sql[j] <= '9' || sql[j] == '.' || sql[j] == '_') {
				j++
			}
			if j+1 < n && (sql[j] == 'e' || sql[j] == 'E') {
				k := j + 1
				if sql[k] == '+' || sql[k] == '-' {
					k++
				}
				if k < n && sql[k] >= '0' && sql[k] <= '9' {
					for k < n && sql[k] >= '0' && sql[k] <= '9' {
						k++
					}
					j = k
				}
			}
			b.WriteByte('?')
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	out := b.String()
	if len(out) > 2000 {
		out = out[:2000] + "..."
	}
	return out
}
