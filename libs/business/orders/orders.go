// Package orders is the order domain: validation, pricing on create,
// idempotent creation, listing with filters and cursor pagination, and the
// status state machine (pending -> confirmed -> shipped; pending or
// confirmed -> cancelled). Storage is the Store interface declared here.
package orders

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/acme/platform/libs/business/pricing"
)

// Status is the state of an order.
type Status string

// The statuses.
const (
	Pending   Status = "pending"
	Confirmed Status = "confirmed"
	Shipped   Status = "shipped"
	Cancelled Status = "cancelled"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{Pending, Confirmed, Shipped, Cancelled}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, k := range Statuses {
		if s == k {
			return true
		}
	}
	return false
}

// transitions says which statuses may move to each target.
var transitions = map[Status][]Status{
	Confirmed: {Pending},
	Shipped:   {Confirmed},
	Cancelled: {Pending, Confirmed},
}

// Item is one line of an order.
type Item struct {
	SKU            string `json:"sku"`
	Quantity       int64  `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
}

// Order is a priced order.
type Order struct {
	ID            string    `json:"id"`
	CustomerID    string    `json:"customer_id"`
	Region        string    `json:"region"`
	Items         []Item    `json:"items"`
	Status        Status    `json:"status"`
	SubtotalCents int64     `json:"subtotal_cents"`
	DiscountCents int64     `json:"discount_cents"`
	TaxCents      int64     `json:"tax_cents"`
	TotalCents    int64     `json:"total_cents"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// NewOrder is what a client asks for.
type NewOrder struct {
	CustomerID string
	Region     string
	Items      []Item
	// IdempotencyKey makes a retried create return the first order.
	IdempotencyKey string
}

// Sentinel errors; the edges map them to HTTP and gRPC codes.
var (
	ErrNotFound = errors.New("order not found")
	// ErrInvalid wraps a *ValidationError.
	ErrInvalid = errors.New("invalid order")
	// ErrConflict means the order is not in a status the change allows.
	ErrConflict = errors.New("order status conflict")
	// ErrIdempotencyConflict means the key was used for a different request.
	ErrIdempotencyConflict = errors.New("idempotency key reused with a different request")
)

// FieldError is one invalid field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every invalid field of a request.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid order: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) hold.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

func (e *ValidationError) add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Limits of a valid order.
const (
	MaxItems          = 50
	MaxQuantity       = 1000
	MaxUnitPriceCents = 10_000_000
	MaxKeyLength      = 128
	DefaultPageSize   = 20
	MaxPageSize       = 100
)

var (
	customerRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	skuRE      = regexp.MustCompile(`^[A-Z0-9-]{1,32}$`)
)

// Filter selects orders for List. Orders come newest first.
type Filter struct {
	Status     Status
	CustomerID string
	Region     string
	Limit      int
	// After is the position to continue from (decoded cursor), or nil.
	After *Position
}

// Position is a place in the newest-first order.
type Position struct {
	CreatedAt time.Time
	ID        string
}

// Page is one page of orders.
type Page struct {
	Orders     []Order `json:"orders"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// Store persists orders.
type Store interface {
	// Create stores o under the idempotency key (when not empty) with the
	// request's fingerprint. When the key is already used with the same
	// fingerprint it returns the stored order; with another fingerprint,
	// ErrIdempotencyConflict.
	Create(ctx context.Context, o Order, key, fingerprint string) (Order, error)
	Get(ctx context.Context, id string) (Order, error)
	// List returns up to f.Limit orders matching f after f.After, newest first.
	List(ctx context.Context, f Filter) ([]Order, error)
	// Transition moves the order to status to if its status is one of from,
	// else ErrConflict; ErrNotFound when there is no such order.
	Transition(ctx context.Context, id string, from []Status, to Status, at time.Time) (Order, error)
}

// Pricer prices lines in a region (in process, or the pricing service).
type Pricer interface {
	Price(ctx context.Context, region string, lines []pricing.Line) (pricing.Quote, error)
}

// Service is the order use cases.
type Service struct {
	store  Store
	pricer Pricer
	now    func() time.Time
	newID  func() string
}

// NewService builds the service; now and newID are injected so that tests
// and replays are deterministic.
func NewService(store Store, pricer Pricer, now func() time.Time, newID func() string) *Service {
	return &Service{store: store, pricer: pricer, now: now, newID: newID}
}

// Validate checks a new order and returns a *ValidationError listing every
// problem, or nil.
func Validate(in NewOrder) error {
	v := &ValidationError{}
	if !customerRE.MatchString(in.CustomerID) {
		v.add("customer_id", "must be 1-64 letters, digits, '_' or '-'")
	}
	if in.Region == "" {
		v.add("region", "is required")
	}
	switch {
	case len(in.Items) == 0:
		v.add("items", "must hold at least one item")
	case len(in.Items) > MaxItems:
		v.add("items", "must hold at most %d items", MaxItems)
	}
	seen := map[string]bool{}
	for i, it := range in.Items {
		f := fmt.Sprintf("items[%d]", i)
		if !skuRE.MatchString(it.SKU) {
			v.add(f+".sku", "must be 1-32 upper-case letters, digits or '-'")
		} else if seen[it.SKU] {
			v.add(f+".sku", "%s appears twice; add the quantities instead", it.SKU)
		}
		seen[it.SKU] = true
		if it.Quantity < 1 || it.Quantity > MaxQuantity {
			v.add(f+".quantity", "must be between 1 and %d", MaxQuantity)
		}
		if it.UnitPriceCents < 0 || it.UnitPriceCents > MaxUnitPriceCents {
			v.add(f+".unit_price_cents", "must be between 0 and %d", MaxUnitPriceCents)
		}
	}
	if len(in.IdempotencyKey) > MaxKeyLength {
		v.add("idempotency_key", "must be at most %d characters", MaxKeyLength)
	}
	if len(v.Fields) > 0 {
		return v
	}
	return nil
}

// Create validates, prices and stores a new pending order. Retrying with the
// same idempotency key and request returns the first order.
func (s *Service) Create(ctx context.Context, in NewOrder) (Order, error) {
	if err := Validate(in); err != nil {
		return Order{}, err
	}
	lines := make([]pricing.Line, len(in.Items))
	for i, it := range in.Items {
		lines[i] = pricing.Line{SKU: it.SKU, Quantity: it.Quantity, UnitPriceCents: it.UnitPriceCents}
	}
	q, err := s.pricer.Price(ctx, in.Region, lines)
	if errors.Is(err, pricing.ErrUnknownRegion) {
		v := &ValidationError{}
		v.add("region", "%v", err)
		return Order{}, v
	}
	if err != nil {
		return Order{}, fmt.Errorf("price order: %w", err)
	}
	now := s.now().UTC()
	o := Order{
		ID: s.newID(), CustomerID: in.CustomerID, Region: in.Region,
		Items: append([]Item(nil), in.Items...), Status: Pending,
		SubtotalCents: q.SubtotalCents, DiscountCents: q.DiscountCents, TaxCents: q.TaxCents, TotalCents: q.TotalCents,
		CreatedAt: now, UpdatedAt: now,
	}
	stored, err := s.store.Create(ctx, o, in.IdempotencyKey, Fingerprint(in))
	if err != nil {
		return Order{}, fmt.Errorf("store order: %w", err)
	}
	return stored, nil
}

// Fingerprint identifies a create request for idempotency checks.
func Fingerprint(in NewOrder) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", in.CustomerID, in.Region)
	for _, it := range in.Items {
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00", it.SKU, it.Quantity, it.UnitPriceCents)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Get returns one order.
func (s *Service) Get(ctx context.Context, id string) (Order, error) {
	if id == "" {
		return Order{}, ErrNotFound
	}
	return s.store.Get(ctx, id)
}

// ListQuery is what a client asks of List.
type ListQuery struct {
	Status     string
	CustomerID string
	Region     string
	Limit      int
	Cursor     string
}

// List returns one page of orders, newest first.
func (s *Service) List(ctx context.Context, q ListQuery) (Page, error) {
	v := &ValidationError{}
	f := Filter{Status: Status(q.Status), CustomerID: q.CustomerID, Region: q.Region, Limit: q.Limit}
	if q.Status != "" && !f.Status.Valid() {
		v.add("status", "must be one of pending, confirmed, shipped, cancelled")
	}
	switch {
	case f.Limit == 0:
		f.Limit = DefaultPageSize
	case f.Limit < 1 || f.Limit > MaxPageSize:
		v.add("limit", "must be between 1 and %d", MaxPageSize)
	}
	if q.Cursor != "" {
		p, err := DecodeCursor(q.Cursor)
		if err != nil {
			v.add("cursor", "is not a cursor this API returned")
		}
		f.After = p
	}
	if len(v.Fields) > 0 {
		return Page{}, v
	}
	want := f.Limit
	f.Limit++ // one more tells whether there is a next page
	got, err := s.store.List(ctx, f)
	if err != nil {
		return Page{}, fmt.Errorf("list orders: %w", err)
	}
	page := Page{Orders: got}
	if len(got) > want {
		page.Orders = got[:want]
		last := page.Orders[want-1]
		page.NextCursor = EncodeCursor(Position{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	if page.Orders == nil {
		page.Orders = []Order{}
	}
	return page, nil
}

// Confirm moves a pending order to confirmed.
func (s *Service) Confirm(ctx context.Context, id string) (Order, error) {
	return s.transition(ctx, id, Confirmed)
}

// Ship moves a confirmed order to shipped.
func (s *Service) Ship(ctx context.Context, id string) (Order, error) {
	return s.transition(ctx, id, Shipped)
}

// Cancel cancels a pending or confirmed order. Cancelling a cancelled order
// returns it unchanged, so that retries are safe.
func (s *Service) Cancel(ctx context.Context, id string) (Order, error) {
	o, err := s.transition(ctx, id, Cancelled)
	if errors.Is(err, ErrConflict) {
		if cur, gerr := s.store.Get(ctx, id); gerr == nil && cur.Status == Cancelled {
			return cur, nil
		}
	}
	return o, err
}

func (s *Service) transition(ctx context.Context, id string, to Status) (Order, error) {
	o, err := s.store.Transition(ctx, id, transitions[to], to, s.now().UTC())
	if errors.Is(err, ErrConflict) {
		return Order{}, fmt.Errorf("%w: only %v orders can become %s", ErrConflict, transitions[to], to)
	}
	return o, err
}

// CanTransition reports whether an order in status from may move to to.
func CanTransition(from, to Status) bool {
	for _, f := range transitions[to] {
		if f == from {
			return true
		}
	}
	return false
}

// EncodeCursor returns the opaque cursor for a position.
func EncodeCursor(p Position) string {
	raw := strconv.FormatInt(p.CreatedAt.UnixNano(), 10) + ":" + p.ID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeCursor parses a cursor made by EncodeCursor.
func DecodeCursor(c string) (*Position, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, fmt.Errorf("decode cursor: %w", err)
	}
	ns, id, ok := strings.Cut(string(raw), ":")
	if !ok || id == "" {
		return nil, errors.New("decode cursor: malformed")
	}
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("decode cursor: %w", err)
	}
	return &Position{CreatedAt: time.Unix(0, n).UTC(), ID: id}, nil
}
