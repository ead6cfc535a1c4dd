// Command api benchmarks orders-api against its peers on the two hot
// operations, GET /orders/{id} and POST /orders, in one run against one
// PostgreSQL table: (a) orders-api itself, (b) an equivalent FastAPI +
// uvicorn app (bench/api/fastapi), (c) a bare net/http + pgx handler
// (bench/api/bare), the ceiling. All three check the same JWT, call the same
// pricing service on POST and run the same SQL. A small closed-loop load
// generator on 127.0.0.1 drives each for a fixed time and the table shows
// requests per second, p50, p99 and the ratios. See bench/api/README.md.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acme/platform/libs/db/dbtest"
	"github.com/acme/platform/libs/testenv/pyenv"
	"github.com/acme/platform/services/orders-api/auth"
	"github.com/acme/platform/services/orders-api/migrations"
)

const jwtKey = "bench-api-signing-key-0123456789abcdef"

type options struct {
	duration, warmup time.Duration
	conc, seed       int
	rounds           int
	pool             int
	only             string
	keep             bool
	targetFastAPI    float64
	targetBare       float64
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "measured time per target, operation and round")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; each measures every target in turn")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before each measurement")
	flag.IntVar(&o.conc, "c", 32, "concurrent connections of the load generator")
	flag.IntVar(&o.seed, "orders", 2000, "orders in the table before the run (GET picks among them)")
	flag.IntVar(&o.pool, "pool", 16, "database connections per target")
	flag.StringVar(&o.only, "only", "", "comma-separated targets to run (orders-api,fastapi,bare)")
	flag.BoolVar(&o.keep, "keep", false, "keep the work folder (server logs)")
	flag.Float64Var(&o.targetFastAPI, "target-fastapi", 10, "orders-api throughput must be at least this times FastAPI's")
	flag.Float64Var(&o.targetBare, "target-bare", 0.8, "orders-api throughput must be at least this times the bare handler's")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/api:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

// target is one server under test.
type target struct {
	name string
	base string
}

func run(ctx context.Context, o options) (int, error) {
	root, err := os.Getwd()
	if err != nil {
		return 0, err
	}
	if _, err := os.Stat(filepath.Join(root, "bench", "api", "fastapi", "app.py")); err != nil {
		return 0, errors.New("run from the repository root (bench/api/run.sh does)")
	}
	work, err := os.MkdirTemp("", "bench-api-")
	if err != nil {
		return 0, err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "work folder:", work)
	} else {
		defer os.RemoveAll(work)
	}
	say := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench/api: "+format+"\n", args...) }

	say("building orders-api, pricing and the bare handler")
	build := exec.CommandContext(ctx, "go", "build", "-o", work+"/", "./services/orders-api", "./services/pricing", "./bench/api/bare")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return 0, fmt.Errorf("go build: %w", err)
	}
	reqs, err := os.ReadFile(filepath.Join(root, "bench", "api", "fastapi", "requirements.txt"))
	if err != nil {
		return 0, err
	}
	venv, err := pyenv.Ensure(ctx, root, "bench-api", reqs, func(s string) { say("%s", s) })
	if err != nil {
		return 0, fmt.Errorf("FastAPI venv: %w", err)
	}

	say("starting PostgreSQL")
	pg, err := dbtest.Start(ctx)
	if err != nil {
		return 0, err
	}
	defer pg.Stop()
	dbName, err := pg.CreateDatabase(ctx, migrations.Set())
	if err != nil {
		return 0, err
	}
	url := fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", pg.User, dbtest.Password, pg.Host, pg.Port, dbName)
	ids, err := seed(ctx, url, o.seed)
	if err != nil {
		return 0, fmt.Errorf("seed: %w", err)
	}

	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			_ = syscall.Kill(-p.Process.Pid, syscall.SIGTERM)
		}
		for _, p := range procs {
			_ = p.Wait()
		}
	}()
	start := func(name string, env []string, argv ...string) (*exec.Cmd, error) {
		log, err := os.Create(filepath.Join(work, name+".log"))
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = root, append(os.Environ(), env...), log, log
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start %s: %w", name, err)
		}
		procs = append(procs, cmd)
		return cmd, nil
	}
	addr := func() string {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		defer ln.Close()
		return ln.Addr().String()
	}

	pricingAddr := addr()
	pricingCfg := filepath.Join(work, "pricing-config")
	if err := writeConfig(pricingCfg, fmt.Sprintf(`shared:
  log: {level: info, format: json}
  database: {driver: sqlite, dsn: unused.db}
pricing:
  http: {listen: "%s", admin_listen: ""}
`, pricingAddr)); err != nil {
		return 0, err
	}
	if _, err := start("pricing", []string{"CONFIG_DIR=" + pricingCfg, "ENV=local"}, filepath.Join(work, "pricing")); err != nil {
		return 0, err
	}

	all := map[string]target{}
	apiAddr := addr()
	apiCfg := filepath.Join(work, "orders-api-config")
	if err := writeConfig(apiCfg, fmt.Sprintf(`shared:
  log: {level: info, format: json}
  database: {driver: postgres, host: %s, port: %d, name: %s, user: %s, password: %s, ssl_mode: disable, max_conns: %d, min_conns: %d}
orders-api:
  http: {listen: "%s", admin_listen: ""}
  pricing_url: http://%s
  jwt: {signing_key: %s, issuer: acme-orders}
`, pg.Host, pg.Port, dbName, pg.User, dbtest.Password, o.pool, o.pool, apiAddr, pricingAddr, jwtKey)); err != nil {
		return 0, err
	}
	if _, err := start("orders-api", []string{"CONFIG_DIR=" + apiCfg, "ENV=local"}, filepath.Join(work, "orders-api")); err != nil {
		return 0, err
	}
	all["orders-api"] = target{"orders-api", "http://" + apiAddr}

	fastAddr := addr()
	host, port, _ := net.SplitHostPort(fastAddr)
	if _, err := start("fastapi", []string{"DATABASE_URL=" + url, "PRICING_URL=http://" + pricingAddr, "JWT_KEY=" + jwtKey, fmt.Sprintf("POOL_SIZE=%d", o.pool/2)},
		venv.Bin("uvicorn"), "app:app", "--app-dir", "bench/api/fastapi", "--host", host, "--port", port,
		"--workers", "2", "--loop", "uvloop", "--http", "httptools"); err != nil {
		return 0, err
	}
	all["fastapi"] = target{"fastapi", "http://" + fastAddr}

	bareAddr := addr()
	if _, err := start("bare", []string{"JWT_KEY=" + jwtKey}, filepath.Join(work, "bare"), "-addr", bareAddr, "-dsn", url,
		"-pricing", "http://"+pricingAddr, "-conns", fmt.Sprint(o.pool)); err != nil {
		return 0, err
	}
	all["bare"] = target{"bare", "http://" + bareAddr}

	for _, t := range append(slices.Collect(mapValues(all)), target{"pricing", "http://" + pricingAddr}) {
		if err := waitHealthy(ctx, t.base+"/healthz"); err != nil {
			return 0, fmt.Errorf("%s: %w (logs in %s; run with -keep)", t.name, err, work)
		}
	}

	token, err := auth.Issue([]byte(jwtKey), "acme-orders", "bench", []auth.Role{auth.Editor}, 2*time.Hour, time.Now())
	if err != nil {
		return 0, err
	}
	order := []string{"orders-api", "fastapi", "bare"}
	if o.only != "" {
		order = strings.Split(o.only, ",")
	}
	for _, name := range order {
		if _, ok := all[name]; !ok {
			return 0, fmt.Errorf("unknown target %q", name)
		}
	}
	// Rounds interleave the targets, so that a neighbour's burst of load on
	// this shared machine falls on all of them alike.
	var results []result
	for _, op := range []string{"GET /orders/{id}", "POST /orders"} {
		sum := map[string]*result{}
		for round := range o.rounds {
			for _, name := range order {
				gen := &loadgen{base: all[name].base, token: token, ids: ids, op: op, conc: o.conc}
				say("%s on %s, round %d/%d: %s warm-up, %s measured, %d connections", op, name, round+1, o.rounds, o.warmup, o.duration, o.conc)
				if _, err := gen.run(ctx, o.warmup); err != nil {
					return 0, err
				}
				r, err := gen.run(ctx, o.duration)
				if err != nil {
					return 0, err
				}
				if ctx.Err() != nil {
					return 0, ctx.Err()
				}
				acc, ok := sum[name]
				if !ok {
					acc = &result{target: name, op: op}
					sum[name] = acc
				}
				acc.ok += r.ok
				acc.failed += r.failed
				acc.elapsed += r.elapsed
				acc.lat = append(acc.lat, r.lat...)
				if acc.firstError == "" {
					acc.firstError = r.firstError
				}
			}
		}
		for _, name := range order {
			slices.Sort(sum[name].lat)
			results = append(results, *sum[name])
		}
	}
	return report(os.Stdout, results, o), nil
}

func mapValues(m map[string]target) func(func(target) bool) {
	return func(yield func(target) bool) {
		for _, k := range []string{"orders-api", "fastapi", "bare"} {
			if t, ok := m[k]; ok && !yield(t) {
				return
			}
		}
	}
}

func writeConfig(dir, base string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "base.yaml"), []byte(base), 0o644)
}

func waitHealthy(ctx context.Context, url string) error {
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not answer within 90s", url)
}

// seed fills the table with n orders of two lines each and returns their ids.
func seed(ctx context.Context, url string, n int) ([]string, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	ids := make([]string, n)
	now := time.Now().UTC().Truncate(time.Microsecond)
	var orders, items [][]any
	for i := range n {
		ids[i] = fmt.Sprintf("seed-%06d", i)
		orders = append(orders, []any{ids[i], fmt.Sprintf("cust-%d", i%97), "eu-west", "pending", int64(3999), int64(0), int64(920), int64(4919), "", now, now})
		items = append(items, []any{ids[i], int32(0), "SKU-1", int64(2), int64(1500)}, []any{ids[i], int32(1), "SKU-2", int64(1), int64(999)})
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"orders"},
		[]string{"id", "customer_id", "region", "status", "subtotal_cents", "discount_cents", "tax_cents", "total_cents", "fingerprint", "created_at", "updated_at"},
		pgx.CopyFromRows(orders)); err != nil {
		return nil, err
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"order_items"}, []string{"order_id", "line", "sku", "quantity", "unit_price_cents"}, pgx.CopyFromRows(items)); err != nil {
		return nil, err
	}
	_, err = conn.Exec(ctx, "ANALYZE")
	return ids, err
}

// loadgen is a closed-loop generator: conc workers, each sending its next
// request when the last one answered.
type loadgen struct {
	base, token, op string
	ids             []string
	conc            int
}

type result struct {
	target, op string
	ok, failed int
	elapsed    time.Duration
	lat        []time.Duration
	firstError string
}

func (r result) rps() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(float64(len(r.lat))*p))]
}

var createBody = []byte(`{"customer_id":"bench-1","region":"eu-west","items":[{"sku":"SKU-1","quantity":2,"unit_price_cents":1500},{"sku":"SKU-2","quantity":1,"unit_price_cents":999}]}`)

func (g *loadgen) run(ctx context.Context, d time.Duration) (result, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: g.conc, MaxConnsPerHost: g.conc, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	res := result{}
	var wg sync.WaitGroup
	begin := time.Now()
	for w := range g.conc {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			lat := make([]time.Duration, 0, 1<<14)
			ok, failed := 0, 0
			firstErr := ""
			for ctx.Err() == nil {
				var req *http.Request
				if strings.HasPrefix(g.op, "GET") {
					req, _ = http.NewRequestWithContext(ctx, http.MethodGet, g.base+"/orders/"+g.ids[rng.IntN(len(g.ids))], nil)
				} else {
					req, _ = http.NewRequestWithContext(ctx, http.MethodPost, g.base+"/orders", bytes.NewReader(createBody))
					req.Header.Set("Content-Type", "application/json")
				}
				req.Header.Set("Authorization", "Bearer "+g.token)
				t0 := time.Now()
				r, err := client.Do(req)
				if err != nil {
					if ctx.Err() != nil {
						break // the run ended mid-request
					}
					failed++
					if firstErr == "" {
						firstErr = err.Error()
					}
					continue
				}
				_, _ = io.Copy(io.Discard, r.Body)
				r.Body.Close()
				el := time.Since(t0)
				if r.StatusCode/100 == 2 {
					ok++
					lat = append(lat, el)
				} else {
					failed++
					if firstErr == "" {
						firstErr = r.Status
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.ok += ok
			res.failed += failed
			res.lat = append(res.lat, lat...)
			if res.firstError == "" {
				res.firstError = firstErr
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(begin)
	slices.Sort(res.lat)
	return res, nil
}

// report prints the table and the ratios; it returns 1 when a target is
// missed.
func report(w io.Writer, rs []result, o options) int {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\ttarget\treq/s\tp50 ms\tp99 ms\terrors\t")
	by := map[string]result{}
	for _, r := range rs {
		by[r.op+"|"+r.target] = r
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.2f\t%.2f\t%d\t\n", r.op, r.target, r.rps(), ms(r.pct(0.50)), ms(r.pct(0.99)), r.failed)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	code := 0
	for _, op := range []string{"GET /orders/{id}", "POST /orders"} {
		api, okAPI := by[op+"|orders-api"]
		if !okAPI {
			continue
		}
		if f, ok := by[op+"|fastapi"]; ok && f.rps() > 0 {
			ratio := api.rps() / f.rps()
			met := ratio >= o.targetFastAPI && api.pct(0.99) < f.pct(0.99)
			fmt.Fprintf(w, "%-18s orders-api / fastapi: %5.1fx throughput, p99 %.2f vs %.2f ms  (target >= %.0fx and lower p99: %s)\n",
				op, ratio, ms(api.pct(0.99)), ms(f.pct(0.99)), o.targetFastAPI, verdict(met))
			if !met {
				code = 1
			}
		}
		if b, ok := by[op+"|bare"]; ok && b.rps() > 0 {
			ratio := api.rps() / b.rps()
			met := ratio >= o.targetBare
			fmt.Fprintf(w, "%-18s orders-api / bare:    %5.2fx throughput, p99 %.2f vs %.2f ms  (target >= %.1fx: %s)\n",
				op, ratio, ms(api.pct(0.99)), ms(b.pct(0.99)), o.targetBare, verdict(met))
			if !met {
				code = 1
			}
		}
	}
	for _, r := range rs {
		if r.failed > 0 {
			fmt.Fprintf(w, "note: %s on %s had %d failed requests (first: %s)\n", r.op, r.target, r.failed, r.firstError)
		}
	}
	return code
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
