// Package versioncmd implements `mono version`: what the running mono was
// built from (module version, VCS revision, dirty flag, Go version,
// platform), as the Go toolchain stamped it into the binary.
package versioncmd

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
)

// Unknown stands for what the binary does not record: `go run` and
// `go build -buildvcs=false` stamp no revision.
const Unknown = "unknown"

// Info is what a mono binary was built from.
type Info struct {
	// Version is the main module's version: a tag, a pseudo-version from
	// the VCS, or "(devel)".
	Version string `json:"version"`
	// Revision is the VCS commit, Time its commit time (RFC 3339).
	Revision string `json:"revision"`
	Time     string `json:"time,omitempty"`
	// Dirty says whether the work tree had changes at build time; nil
	// (JSON null) when the binary does not record it.
	Dirty     *bool  `json:"dirty"`
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
}

// FromBuildInfo reads Info from the build information of a binary; ok is
// false when it has none. The platform is the running one.
func FromBuildInfo(bi *debug.BuildInfo, ok bool) Info {
	info := Info{Version: Unknown, Revision: Unknown, GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if !ok || bi == nil {
		return info
	}
	if bi.Main.Version != "" {
		info.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		info.GoVersion = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.time":
			info.Time = s.Value
		case "vcs.modified":
			dirty := s.Value == "true"
			info.Dirty = &dirty
		case "GOOS":
			info.OS = s.Value
		case "GOARCH":
			info.Arch = s.Value
		}
	}
	return info
}

// NewCommand returns the version command. read is debug.ReadBuildInfo
// outside tests.
func NewCommand(deps cli.Deps, read func() (*debug.BuildInfo, bool)) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print what this mono was built from",
		Long: `Print the module version, VCS revision and commit time, whether the work
tree had uncommitted changes (dirty), the Go version and the platform of
this mono binary, as the Go toolchain recorded them at build time.

A binary from go build in a git checkout records the revision; go run,
go build -buildvcs=false and a build in a linked git worktree do not, and
then mono says "unknown" (dirty: null in JSON) rather than guessing.
make build passes -buildvcs=true.`,
		Example: `  mono version
  mono version --json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return Print(deps.IO.Out, FromBuildInfo(read()), asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for machines")
	return cmd
}

// Print writes info for people (or as JSON) to w.
func Print(w io.Writer, info Info, asJSON bool) error {
	if asJSON {
		return cli.WriteJSON(w, info)
	}
	dirty := Unknown
	if info.Dirty != nil {
		dirty = fmt.Sprint(*info.Dirty)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "version:\t%s\n", info.Version)
	fmt.Fprintf(tw, "revision:\t%s\n", info.Revision)
	if info.Time != "" {
		fmt.Fprintf(tw, "time:\t%s\n", info.Time)
	}
	fmt.Fprintf(tw, "dirty:\t%s\n", dirty)
	fmt.Fprintf(tw, "go:\t%s\n", info.GoVersion)
	fmt.Fprintf(tw, "platform:\t%s/%s\n", info.OS, info.Arch)
	return tw.Flush()
}
