package devcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/acme/platform/libs/config/components"
)

// SeedFile holds the sample orders, relative to the root.
const SeedFile = "services/orders-api/seed/orders.json"

// seedOrder is one sample order and the status to move it to.
type seedOrder struct {
	CustomerID string           `json:"customer_id"`
	Region     string           `json:"region"`
	Items      []map[string]any `json:"items"`
	Status     string           `json:"status,omitempty"`
}

// token signs a local token for orders-api with the local key, in the form
// services/orders-api/auth verifies (HS256, iss, sub, exp, roles).
func token(ctx context.Context, e *Env, roles ...string) (string, time.Duration, error) {
	o := components.DefaultOrdersAPI()
	if err := e.Config.Decode(ctx, components.OrdersAPIName, &o); err != nil {
		return "", 0, err
	}
	now := time.Now()
	claims := jwt.MapClaims{
		"iss": o.JWT.Issuer, "sub": "mono-dev", "roles": roles,
		"iat": now.Unix(), "nbf": now.Add(-time.Second).Unix(), "exp": now.Add(o.JWT.TTL).Unix(),
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(o.JWT.SigningKey.Reveal()))
	if err != nil {
		return "", 0, fmt.Errorf("sign a local token: %w", err)
	}
	return s, o.JWT.TTL, nil
}

// editorToken prints a token to call orders-api with.
func editorToken(ctx context.Context, e *Env) ([]string, error) {
	tok, ttl, err := token(ctx, e, "editor")
	if err != nil {
		return nil, err
	}
	return []string{
		fmt.Sprintf("token    %s", tok),
		fmt.Sprintf("         (role editor, valid %s; e.g. curl -H \"Authorization: Bearer $TOKEN\" .../orders)", ttl),
	}, nil
}

// seedOrders creates the sample orders through the API. Each has a fixed
// Idempotency-Key, so running it again creates nothing new.
func seedOrders(ctx context.Context, e *Env, base string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(e.Root, filepath.FromSlash(SeedFile)))
	if err != nil {
		return "", err
	}
	var seeds []seedOrder
	if err := json.Unmarshal(raw, &seeds); err != nil {
		return "", fmt.Errorf("%s: %w", SeedFile, err)
	}
	tok, _, err := token(ctx, e, "editor")
	if err != nil {
		return "", err
	}
	client := &http.Client{Timeout: 10 * time.Second}
	call := func(method, path string, body any, key string) (map[string]any, int, error) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
		if err != nil {
			return nil, 0, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		res, err := client.Do(req)
		if err != nil {
			return nil, 0, err
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return m, res.StatusCode, nil
	}
	steps := map[string][]string{"confirmed": {"confirm"}, "shipped": {"confirm", "ship"}, "cancelled": {"cancel"}}
	for i, s := range seeds {
		body := map[string]any{"customer_id": s.CustomerID, "region": s.Region, "items": s.Items}
		o, code, err := call(http.MethodPost, "/orders", body, fmt.Sprintf("seed-%03d", i))
		if err != nil {
			return "", err
		}
		if code != http.StatusCreated {
			return "", fmt.Errorf("seed order %d: %d %v", i, code, o)
		}
		id, _ := o["id"].(string)
		if o["status"] != "pending" {
			continue // moved on an earlier run
		}
		for _, action := range steps[s.Status] {
			if _, code, err := call(http.MethodPost, "/orders/"+id+"/"+action, nil, ""); err != nil || code != http.StatusOK {
				return "", fmt.Errorf("seed order %d: %s: %d %v", i, action, code, err)
			}
		}
	}
	return fmt.Sprintf("seeded %d sample orders into orders-api (%s)", len(seeds), SeedFile), nil
}
