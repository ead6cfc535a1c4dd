package versioncmd_test

import (
	"bytes"
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/versioncmd"
)

func ptr(b bool) *bool { return &b }

func TestFromBuildInfo(t *testing.T) {
	t.Parallel()
	stamped := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/acme/platform", Version: "v0.0.0-20261206025500-49d81b1045fe+dirty"},
		Settings: []debug.BuildSetting{
			{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "arm64"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "49d81b1045feb32b8dc0300f75b601e4043d1b6b"},
			{Key: "vcs.time", Value: "2026-12-06T02:55:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want versioncmd.Info
	}{
		{"go build in a checkout", stamped, true, versioncmd.Info{
			Version: "v0.0.0-20261206025500-49d81b1045fe+dirty", Revision: "49d81b1045feb32b8dc0300f75b601e4043d1b6b",
			Time: "2026-12-06T02:55:00Z", Dirty: ptr(true), GoVersion: "go1.26.8", OS: "linux", Arch: "arm64"}},
		{"go run records no VCS", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/acme/platform", Version: "(devel)"}}, true, versioncmd.Info{
			Version: "(devel)", Revision: "unknown", GoVersion: "go1.26.8", OS: runtime.GOOS, Arch: runtime.GOARCH}},
		{"no build information", nil, false, versioncmd.Info{
			Version: "unknown", Revision: "unknown", GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, versioncmd.FromBuildInfo(tt.bi, tt.ok)); diff != "" {
				t.Errorf("info (-want +got):\n%s", diff)
			}
		})
	}
}

// run executes the version command in-process with the given build
// information.
func run(t *testing.T, bi *debug.BuildInfo, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	deps := cli.Deps{IO: cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}}
	cmd := versioncmd.NewCommand(deps, func() (*debug.BuildInfo, bool) { return bi, bi != nil })
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("mono version %v: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

func TestCommand(t *testing.T) {
	t.Parallel()
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "amd64"},
		{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "false"},
	}}
	want := "version:   (devel)\nrevision:  abc123\ndirty:     false\ngo:        go1.26.8\nplatform:  linux/amd64\n"
	if diff := cmp.Diff(want, run(t, bi)); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
	if out := run(t, nil); !strings.Contains(out, "revision:  unknown\ndirty:     unknown\n") {
		t.Errorf("without build information:\n%s", out)
	}

	var got map[string]any
	out := run(t, nil, "--json")
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	wantJSON := map[string]any{"version": "unknown", "revision": "unknown", "dirty": nil,
		"goVersion": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH}
	if diff := cmp.Diff(wantJSON, got); diff != "" {
		t.Errorf("--json (-want +got):\n%s", diff)
	}
}
