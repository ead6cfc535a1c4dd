// Package e2e runs the web console's own checks (tsc, the API types check,
// Vitest), checks that the Go server serves a real Vite build embedded in
// the binary, and drives the console and the Dash dashboard end to end in
// headless Chromium against `mono dev`. Everything runs from go test, so
// `make test` runs it; the script the browser test runs is e2e.mjs.
package e2e
