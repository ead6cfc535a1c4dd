// Package auth checks the bearer tokens of orders-api: HS256 JSON Web Tokens
// signed with the key from the configuration's secrets, issued by the
// configured issuer, carrying the caller's roles. A viewer reads; an editor
// reads and writes.
package auth

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Role is what a caller may do.
type Role string

// The roles.
const (
	// Viewer reads orders and reports.
	Viewer Role = "viewer"
	// Editor also creates and changes orders.
	Editor Role = "editor"
)

// MinKeyBytes is the shortest signing key accepted (HS256 wants 256 bits).
const MinKeyBytes = 32

// Sentinel errors; the HTTP edge maps ErrUnauthenticated to 401 and
// ErrForbidden to 403.
var (
	// ErrUnauthenticated means no token, or a token that does not verify.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden means a valid token without the role the call needs.
	ErrForbidden = errors.New("forbidden")
)

// Claims are the token's claims: the registered ones and the roles.
type Claims struct {
	Roles []Role `json:"roles"`
	jwt.RegisteredClaims
}

// Principal is the verified caller.
type Principal struct {
	Subject string
	Roles   []Role
}

// Has reports whether the caller holds role; an editor is also a viewer.
func (p Principal) Has(role Role) bool {
	if slices.Contains(p.Roles, role) {
		return true
	}
	return role == Viewer && slices.Contains(p.Roles, Editor)
}

// Verifier checks tokens signed with one key by one issuer. A token that
// verified is remembered until it expires (a bounded cache keyed by the
// whole token), so a client's repeated calls cost a map lookup instead of a
// JSON decode and an HMAC.
type Verifier struct {
	key    []byte
	issuer string
	parser *jwt.Parser
	now    func() time.Time

	mu   sync.RWMutex
	seen map[string]verified
}

type verified struct {
	p   Principal
	exp time.Time
}

// maxCached bounds the cache; when full it starts over.
const maxCached = 4096

// NewVerifier returns a verifier for tokens signed with key by issuer. now
// is the clock (nil: time.Now).
func NewVerifier(key []byte, issuer string, now func() time.Time) (*Verifier, error) {
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("jwt signing key: %d bytes, want at least %d", len(key), MinKeyBytes)
	}
	if issuer == "" {
		return nil, errors.New("jwt issuer is empty")
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(30 * time.Second),
	}
	if now != nil {
		opts = append(opts, jwt.WithTimeFunc(now))
	} else {
		now = time.Now
	}
	return &Verifier{key: key, issuer: issuer, parser: jwt.NewParser(opts...), now: now, seen: map[string]verified{}}, nil
}

// MaxTokenBytes bounds the Authorization header that is parsed.
const MaxTokenBytes = 4096

// Verify checks an Authorization header value ("Bearer <token>"). Errors
// wrap ErrUnauthenticated and say why in words safe to show the caller.
func (v *Verifier) Verify(authorization string) (Principal, error) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(authorization), " ")
	if authorization == "" {
		return Principal{}, fmt.Errorf("%w: no bearer token (send Authorization: Bearer <token>)", ErrUnauthenticated)
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return Principal{}, fmt.Errorf("%w: the Authorization header must be Bearer <token>", ErrUnauthenticated)
	}
	token = strings.TrimSpace(token)
	if len(token) > MaxTokenBytes {
		return Principal{}, fmt.Errorf("%w: token longer than %d bytes", ErrUnauthenticated, MaxTokenBytes)
	}
	v.mu.RLock()
	hit, ok := v.seen[token]
	v.mu.RUnlock()
	if ok && v.now().Before(hit.exp) {
		return hit.p, nil
	}
	var c Claims
	if _, err := v.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return v.key, nil }); err != nil {
		return Principal{}, fmt.Errorf("%w: %s", ErrUnauthenticated, reason(err))
	}
	if c.Subject == "" {
		return Principal{}, fmt.Errorf("%w: token has no subject", ErrUnauthenticated)
	}
	roles := make([]Role, 0, len(c.Roles))
	for _, r := range c.Roles {
		if r == Viewer || r == Editor {
			roles = append(roles, r)
		}
	}
	p := Principal{Subject: c.Subject, Roles: roles}
	v.mu.Lock()
	if len(v.seen) >= maxCached {
		clear(v.seen)
	}
	v.seen[token] = verified{p: p, exp: c.ExpiresAt.Time}
	v.mu.Unlock()
	return p, nil
}

// reason turns a jwt error into a short phrase without token contents.
func reason(err error) string {
	switch {
	case strings.Contains(err.Error(), "signing method"):
		return "token not signed with HS256"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed token"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrSignatureInvalid):
		return "bad signature"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "token not signed with HS256"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "token not valid yet"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "token from another issuer"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "token without an expiry"
	}
	return "invalid token"
}

// Issue signs a token for subject with roles, valid for ttl from now. The
// local tools (mono dev, tests, the benchmark) use it; in the cloud an
// identity provider issues tokens with the same key and claims.
func Issue(key []byte, issuer, subject string, roles []Role, ttl time.Duration, now time.Time) (string, error) {
	if len(key) < MinKeyBytes {
		return "", fmt.Errorf("jwt signing key: %d bytes, want at least %d", len(key), MinKeyBytes)
	}
	c := Claims{Roles: roles, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: issuer, Subject: subject,
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Second)),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}
