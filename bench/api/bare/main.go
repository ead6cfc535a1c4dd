// Command bare is the ceiling of bench/api: the same two operations as
// orders-api (bearer HS256 JWT with roles, a strict JSON body, a price from
// the pricing service, the same SQL on the same tables) written straight on
// net/http and a pgx pool, with no framework, validation library, metrics,
// tracing or access log.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"

	"connectrpc.com/connect"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	pricingv1 "github.com/acme/platform/services/pricing/gen/acme/pricing/v1"
	"github.com/acme/platform/services/pricing/gen/acme/pricing/v1/pricingv1connect"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	dsn := flag.String("dsn", "", "PostgreSQL URL")
	pricingURL := flag.String("pricing", "", "pricing service URL")
	conns := flag.Int("conns", 16, "pool size")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *dsn, *pricingURL, os.Getenv("JWT_KEY"), int32(*conns)); err != nil {
		log.Fatal(err)
	}
}

type item struct {
	SKU            string `json:"sku"`
	Quantity       int64  `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
}

type order struct {
	ID            string    `json:"id"`
	CustomerID    string    `json:"customer_id"`
	Region        string    `json:"region"`
	Items         []item    `json:"items"`
	Status        string    `json:"status"`
	SubtotalCents int64     `json:"subtotal_cents"`
	DiscountCents int64     `json:"discount_cents"`
	TaxCents      int64     `json:"tax_cents"`
	TotalCents    int64     `json:"total_cents"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

type server struct {
	pool    *pgxpool.Pool
	key     []byte
	parser  *jwt.Parser
	pricing pricingv1connect.PricingServiceClient
}

var (
	skuRE      = regexp.MustCompile(`^[A-Z0-9-]{1,32}$`)
	customerRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

func run(ctx context.Context, addr, dsn, pricingURL, key string, conns int32) error {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return err
	}
	cfg.MaxConns, cfg.MinConns = conns, conns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	s := &server{
		pool: pool, key: []byte(key),
		parser:  jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("acme-orders"), jwt.WithExpirationRequired()),
		pricing: pricingv1connect.NewPricingServiceClient(http.DefaultClient, pricingURL),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"status":"ok"}`)) })
	mux.HandleFunc("GET /orders/{id}", s.get)
	mux.HandleFunc("POST /orders", s.create)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type claims struct {
	Roles []string `json:"roles"`
	jwt.RegisteredClaims
}

func (s *server) allowed(r *http.Request, role string) int {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return http.StatusUnauthorized
	}
	var c claims
	if _, err := s.parser.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return s.key, nil }); err != nil {
		return http.StatusUnauthorized
	}
	for _, have := range c.Roles {
		if have == role || have == "editor" {
			return 0
		}
	}
	return http.StatusForbidden
}

func fail(w http.ResponseWriter, code int) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"status":%d,"title":%q}`, code, http.StatusText(code))
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

const getSQL = `SELECT o.id, o.customer_id, o.region, o.status, o.subtotal_cents, o.discount_cents, o.tax_cents, o.total_cents, o.created_at, o.updated_at, i.sku, i.quantity, i.unit_price_cents
FROM orders o LEFT JOIN order_items i ON i.order_id = o.id WHERE o.id = $1 ORDER BY i.line`

func (s *server) get(w http.ResponseWriter, r *http.Request) {
	if code := s.allowed(r, "viewer"); code != 0 {
		fail(w, code)
		return
	}
	rows, err := s.pool.Query(r.Context(), getSQL, r.PathValue("id"))
	if err != nil {
		fail(w, http.StatusInternalServerError)
		return
	}
	var o order
	found := false
	for rows.Next() {
		var sku *string
		var qty, price *int64
		if err := rows.Scan(&o.ID, &o.CustomerID, &o.Region, &o.Status, &o.SubtotalCents, &o.DiscountCents, &o.TaxCents, &o.TotalCents, &o.CreatedAt, &o.UpdatedAt, &sku, &qty, &price); err != nil {
			rows.Close()
			fail(w, http.StatusInternalServerError)
			return
		}
		found = true
		if sku != nil {
			o.Items = append(o.Items, item{*sku, *qty, *price})
		}
	}
	rows.Close()
	if rows.Err() != nil {
		fail(w, http.StatusInternalServerError)
		return
	}
	if !found {
		fail(w, http.StatusNotFound)
		return
	}
	reply(w, http.StatusOK, o)
}

func (s *server) create(w http.ResponseWriter, r *http.Request) {
	if code := s.allowed(r, "editor"); code != 0 {
		fail(w, code)
		return
	}
	var in struct {
		CustomerID string `json:"customer_id"`
		Region     string `json:"region"`
		Items      []item `json:"items"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		fail(w, http.StatusBadRequest)
		return
	}
	if !customerRE.MatchString(in.CustomerID) || in.Region == "" || len(in.Items) == 0 || len(in.Items) > 50 {
		fail(w, http.StatusUnprocessableEntity)
		return
	}
	req := &pricingv1.QuoteRequest{Region: in.Region}
	for _, it := range in.Items {
		if !skuRE.MatchString(it.SKU) || it.Quantity < 1 || it.Quantity > 1000 || it.UnitPriceCents < 0 || it.UnitPriceCents > 10_000_000 {
			fail(w, http.StatusUnprocessableEntity)
			return
		}
		req.Lines = append(req.Lines, &pricingv1.Line{Sku: it.SKU, Quantity: it.Quantity, UnitPriceCents: it.UnitPriceCents})
	}
	pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	q, err := s.pricing.Quote(pctx, connect.NewRequest(req))
	cancel()
	if err != nil {
		fail(w, http.StatusServiceUnavailable)
		return
	}
	id, _ := uuid.NewV7()
	now := time.Now().UTC().Truncate(time.Microsecond)
	o := order{ID: id.String(), CustomerID: in.CustomerID, Region: in.Region, Items: in.Items, Status: "pending",
		SubtotalCents: q.Msg.GetSubtotalCents(), DiscountCents: q.Msg.GetDiscountCents(), TaxCents: q.Msg.GetTaxCents(), TotalCents: q.Msg.GetTotalCents(),
		CreatedAt: now, UpdatedAt: now}
	err = pgx.BeginFunc(r.Context(), s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(r.Context(), `INSERT INTO orders (id, customer_id, region, status, subtotal_cents, discount_cents, tax_cents, total_cents, idempotency_key, fingerprint, created_at, updated_at)
VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, NULL, '', $8, $8)`, o.ID, o.CustomerID, o.Region, o.SubtotalCents, o.DiscountCents, o.TaxCents, o.TotalCents, now); err != nil {
			return err
		}
		for i, it := range o.Items {
			if _, err := tx.Exec(r.Context(), `INSERT INTO order_items (order_id, line, sku, quantity, unit_price_cents) VALUES ($1, $2, $3, $4, $5)`, o.ID, i, it.SKU, it.Quantity, it.UnitPriceCents); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		fail(w, http.StatusInternalServerError)
		return
	}
	reply(w, http.StatusCreated, o)
}
