package harness

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// ParseMono reads `mono affected --json`: an object whose "affected" array
// holds objects with a "name".
func ParseMono(out []byte) ([]string, error) {
	var v struct {
		Affected *[]struct {
			Name string `json:"name"`
		} `json:"affected"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return nil, fmt.Errorf("mono affected --json: %w", err)
	}
	if v.Affected == nil {
		return nil, errors.New(`mono affected --json: no "affected" array`)
	}
	names := make([]string, 0, len(*v.Affected))
	for _, it := range *v.Affected {
		names = append(names, it.Name)
	}
	return normalize(names), nil
}

// ParseTurboDryRun reads `turbo run --dry-run=json`. Its "packages" array
// is the filtered package set; "tasks" also holds the builds of their
// dependencies that ^build pulls in, so it is not the affected set.
func ParseTurboDryRun(out []byte) ([]string, error) {
	var v struct {
		Packages *[]string `json:"packages"`
	}
	if err := json.Unmarshal(jsonStart(out), &v); err != nil {
		return nil, fmt.Errorf("turbo --dry-run=json: %w", err)
	}
	if v.Packages == nil {
		return nil, errors.New(`turbo --dry-run=json: no "packages" array`)
	}
	return normalize(*v.Packages), nil
}

// ParseTurboLs reads `turbo ls --output=json`: the filtered packages are
// "packages"."items"[]."name".
func ParseTurboLs(out []byte) ([]string, error) {
	var v struct {
		Packages *struct {
			Items []struct {
				Name string `json:"name"`
			} `json:"items"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(jsonStart(out), &v); err != nil {
		return nil, fmt.Errorf("turbo ls --output=json: %w", err)
	}
	if v.Packages == nil {
		return nil, errors.New(`turbo ls --output=json: no "packages" object`)
	}
	names := make([]string, 0, len(v.Packages.Items))
	for _, it := range v.Packages.Items {
		names = append(names, it.Name)
	}
	return normalize(names), nil
}

// ParseNx reads `nx show projects --json`: an array of project names.
func ParseNx(out []byte) ([]string, error) {
	var names []string
	if err := json.Unmarshal(jsonStart(out), &names); err != nil {
		return nil, fmt.Errorf("nx show projects --json: %w", err)
	}
	return normalize(names), nil
}

// jsonStart skips anything a tool prints before its JSON document (a
// banner or warning on stdout).
func jsonStart(out []byte) []byte {
	if i := bytes.IndexAny(out, "[{"); i > 0 {
		return out[i:]
	}
	return out
}

// normalize sorts names and drops duplicates.
func normalize(names []string) []string {
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}

// Diff compares two sorted name sets: missing are in want only, extra in
// got only.
func Diff(want, got []string) (missing, extra []string) {
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case j == len(got) || (i < len(want) && want[i] < got[j]):
			missing = append(missing, want[i])
			i++
		case i == len(want) || got[j] < want[i]:
			extra = append(extra, got[j])
			j++
		default:
			i++
			j++
		}
	}
	return missing, extra
}

// MonoRunCached reads `mono run --json` and returns how many tasks were
// cache hits.
func MonoRunCached(out []byte) (int, error) {
	var v struct {
		Counts map[string]int `json:"counts"`
	}
	if err := json.Unmarshal(jsonStart(out), &v); err != nil {
		return 0, fmt.Errorf("mono run --json: %w", err)
	}
	return v.Counts["cached"], nil
}
