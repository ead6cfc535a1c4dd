package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/services/orders-api/auth"
)

var (
	key   = []byte("test-signing-key-0123456789abcdef0123")
	other = []byte("another-signing-key-0123456789abcdef")
	now   = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v, err := auth.NewVerifier(key, "acme-orders", func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	editor := must(auth.Issue(key, "acme-orders", "ann", []auth.Role{auth.Editor}, time.Hour, now))
	viewer := must(auth.Issue(key, "acme-orders", "bob", []auth.Role{auth.Viewer, "admin"}, time.Hour, now))
	expired := must(auth.Issue(key, "acme-orders", "ann", []auth.Role{auth.Editor}, time.Hour, now.Add(-2*time.Hour)))
	wrongKey := must(auth.Issue(other, "acme-orders", "ann", []auth.Role{auth.Editor}, time.Hour, now))
	wrongIss := must(auth.Issue(key, "someone-else", "ann", []auth.Role{auth.Editor}, time.Hour, now))
	noExp := must(jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "acme-orders", "sub": "x", "roles": []string{"editor"}}).SignedString(key))
	hs512 := must(jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"iss": "acme-orders", "sub": "x", "exp": now.Add(time.Hour).Unix()}).SignedString(key))
	none := must(jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": "acme-orders", "sub": "x", "exp": now.Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType))

	tests := []struct {
		name   string
		header string
		want   auth.Principal
		reason string // "" when valid
	}{
		{"editor", "Bearer " + editor, auth.Principal{Subject: "ann", Roles: []auth.Role{auth.Editor}}, ""},
		{"unknown roles dropped", "bearer " + viewer, auth.Principal{Subject: "bob", Roles: []auth.Role{auth.Viewer}}, ""},
		{"missing", "", auth.Principal{}, "no bearer token"},
		{"basic scheme", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", auth.Principal{}, "must be Bearer"},
		{"garbage", "Bearer not.a.jwt", auth.Principal{}, "malformed"},
		{"expired", "Bearer " + expired, auth.Principal{}, "expired"},
		{"wrong key", "Bearer " + wrongKey, auth.Principal{}, "bad signature"},
		{"wrong issuer", "Bearer " + wrongIss, auth.Principal{}, "another issuer"},
		{"no expiry", "Bearer " + noExp, auth.Principal{}, "without an expiry"},
		{"other algorithm", "Bearer " + hs512, auth.Principal{}, "HS256"},
		{"alg none", "Bearer " + none, auth.Principal{}, "HS256"},
		{"huge", "Bearer " + strings.Repeat("a", auth.MaxTokenBytes+1), auth.Principal{}, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := v.Verify(tt.header)
			if tt.reason == "" {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("principal (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, auth.ErrUnauthenticated) || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %v, want ErrUnauthenticated saying %q", err, tt.reason)
			}
		})
	}
}

func TestPrincipalHas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		roles        []auth.Role
		view, change bool
	}{
		{nil, false, false},
		{[]auth.Role{auth.Viewer}, true, false},
		{[]auth.Role{auth.Editor}, true, true},
	}
	for _, tt := range tests {
		p := auth.Principal{Subject: "x", Roles: tt.roles}
		if p.Has(auth.Viewer) != tt.view || p.Has(auth.Editor) != tt.change {
			t.Errorf("%v: viewer %v editor %v, want %v %v", tt.roles, p.Has(auth.Viewer), p.Has(auth.Editor), tt.view, tt.change)
		}
	}
}

func TestShortKeyRefused(t *testing.T) {
	t.Parallel()
	if _, err := auth.NewVerifier([]byte("short"), "acme-orders", nil); err == nil {
		t.Error("a 5-byte key was accepted")
	}
	if _, err := auth.Issue([]byte("short"), "i", "s", nil, time.Hour, now); err == nil {
		t.Error("issuing with a 5-byte key worked")
	}
}

// TestCachedTokenStillExpires: a token verified once is not accepted after
// its expiry.
func TestCachedTokenStillExpires(t *testing.T) {
	t.Parallel()
	clock := now
	v, err := auth.NewVerifier(key, "acme-orders", func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	tok := must(auth.Issue(key, "acme-orders", "ann", []auth.Role{auth.Viewer}, time.Minute, now))
	for range 2 {
		if _, err := v.Verify("Bearer " + tok); err != nil {
			t.Fatal(err)
		}
	}
	clock = now.Add(2 * time.Minute)
	if _, err := v.Verify("Bearer " + tok); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("expired cached token: %v, want ErrUnauthenticated", err)
	}
}
