// Package imagecmd implements `mono image build`: the OCI images of the
// Go programs (build/internal/imagebuild), written to an OCI layout under
// .mono/images and pushed to a registry on request.
package imagecmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/affected"
	"github.com/acme/platform/build/internal/affectedcmd"
	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/imagebuild"
	"github.com/acme/platform/build/internal/workspace"
)

// NewCommand returns `mono image` with its subcommands.
func NewCommand(deps cli.Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Build and push the OCI images of the programs",
	}
	cmd.AddCommand(buildCommand(deps))
	return cmd
}

// Request is one `mono image build`, as the flags give it.
type Request struct {
	Components []string
	Affected   bool
	Base, Head string
	// Push is the registry to push to; PushSet says --push was given
	// (an empty value then means mono.yaml images.registry).
	Push    string
	PushSet bool
	JSON    bool
	// Remote are extra options of registry calls (tests: none needed).
	Remote []remote.Option
}

// Report is the --json output.
type Report struct {
	Images []imagebuild.Image `json:"images"`
}

func buildCommand(deps cli.Deps) *cobra.Command {
	var r Request
	cmd := &cobra.Command{
		Use:   "build [COMPONENT...|--affected --base REF] [--push REGISTRY] [--json]",
		Short: "Build OCI images of the programs, without Docker",
		Long: `Build an OCI image index (every platform of mono.yaml images.platforms,
linux/amd64 and linux/arm64 by default) for each program: go-service and
go-job components, the console (its Go server embeds the web build, so
run mono run build console first) and dags, the Airflow image (the DAG
files and the jobs they run on images.airflowBase, the official Airflow
image pinned by digest) and the Dash app sales-dash (its files at /app and
its pinned wheels, pip-installed per platform, on images.pythonBase, the
official Python image pinned by digest). No components: every program
(dags and sales-dash only when their base is set).
--affected --base REF: the programs the change affects (see mono affected).

Each image is a static binary (CGO_ENABLED=0, -trimpath, -buildvcs=false)
at /app/<component>, run as user 65532, on the base of images.base (the
built-in mono:static: passwd, group, CA certificates, /tmp, no shell; or a
registry image pinned by digest). Labels and annotations carry the source,
revision, commit time and title; an SPDX 2.3 SBOM from the binary's Go
build information is attached as an OCI 1.1 artifact whose subject is the
index. The same commit gives the same digests from any checkout.

The result is an OCI layout at <images.dir>/<component> (.mono/images) and
a record <images.dir>/<component>.json (what mono deploy reads). Progress
goes to stderr; --json prints the records.

--push REGISTRY (host[:port][/path]; --push= takes images.registry) pushes
each index tagged with the revision (an immutable tag) and its SBOM to
<registry>/<images.repository>/<component>, with the credentials of the
Docker config (~/.docker/config.json and its credential helpers, e.g.
docker-credential-ecr-login for ECR). Every registry reference is checked
and every image built before the first push; images built from a work
tree with uncommitted changes are not pushed. See docs/images.md.`,
		Example: `  mono image build pricing
  mono image build --affected --base origin/main --json
  mono image build orders-api pricing --push 123456789012.dkr.ecr.eu-central-1.amazonaws.com`,
		RunE: func(c *cobra.Command, args []string) error {
			r.Components = args
			r.PushSet = c.Flags().Changed("push")
			return Run(c.Context(), deps, r)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&r.Affected, "affected", false, "build only the programs affected by the change from --base (see mono affected)")
	f.StringVar(&r.Base, "base", "", "with --affected: the revision to compare from")
	f.StringVar(&r.Head, "head", "", "with --affected: the revision with the change (default: the work tree)")
	f.StringVar(&r.Push, "push", "", "push to this registry, host[:port][/path] (--push= : mono.yaml images.registry)")
	f.BoolVar(&r.JSON, "json", false, "print the image records as JSON")
	return cmd
}

// Run builds (and pushes) the images of a request.
func Run(ctx context.Context, deps cli.Deps, r Request) error {
	if r.Affected && r.Base == "" {
		return cli.Usagef("--affected needs --base REF, e.g. --affected --base origin/main")
	}
	if !r.Affected && (r.Base != "" || r.Head != "") {
		return cli.Usagef("--base and --head go with --affected")
	}
	if r.Affected && len(r.Components) > 0 {
		return cli.Usagef("name components or use --affected, not both")
	}
	ws, g, err := deps.Graph()
	if err != nil {
		return err
	}
	progs, err := Select(ctx, ws, g, r, deps.IO.ErrOut)
	if err != nil {
		return err
	}
	registry := r.Push
	if r.PushSet && registry == "" {
		if registry = ws.Settings.Images.Registry; registry == "" {
			return cli.Usagef("--push= takes the registry of mono.yaml images.registry, which is not set: give one, --push host[:port][/path]")
		}
	}
	if r.PushSet {
		// Check the registry before building anything.
		if _, err := imagebuild.Targets(registry, nil); err != nil {
			return cli.Exit(cli.ExitUsage, err)
		}
	}
	if len(progs) == 0 {
		fmt.Fprintln(deps.IO.ErrOut, "no program to build")
		return output(deps.IO.Out, r.JSON, nil)
	}
	commit, err := imagebuild.HeadCommit(ctx, ws.Root)
	if err != nil {
		return affectedcmd.ExitErr(err)
	}
	opts := imagebuild.Options{
		Root: ws.Root, Settings: ws.Settings.Images, Environ: deps.Environ, Progress: deps.IO.ErrOut,
		Remote: append([]remote.Option{remote.WithAuthFromKeychain(authn.DefaultKeychain)}, r.Remote...),
	}
	if s := ws.Settings.Images.Base; s != workspace.BuiltinBase {
		if _, err := imagebuild.ParseBase("base", s); err != nil {
			return cli.Exit(cli.ExitConfig, err)
		}
	}
	imgs, err := imagebuild.Build(ctx, opts, commit, progs)
	if err != nil {
		return err
	}
	if r.PushSet {
		targets, err := imagebuild.Targets(registry, imgs)
		if err != nil {
			return err
		}
		if imgs, err = imagebuild.Push(ctx, ws.Root, ws.Settings.Images, registry, imgs, targets, deps.IO.ErrOut, opts.Remote...); err != nil {
			return err
		}
	}
	return output(deps.IO.Out, r.JSON, imgs)
}

// Select returns the programs a request names: the named components
// (each must exist and be a program), the affected programs, or every
// program.
//
// Without names, the Airflow image and the Dash app are left out (said on
// progress) while mono.yaml has no images.airflowBase, images.pythonBase.
func Select(ctx context.Context, ws *workspace.Workspace, g *graph.Graph, r Request, progress io.Writer) ([]imagebuild.Program, error) {
	var names []string
	switch {
	case len(r.Components) > 0:
		for _, n := range r.Components {
			c, err := g.Lookup(n)
			if err != nil {
				return nil, cli.Exit(cli.ExitUsage, err)
			}
			p, err := imagebuild.ProgramOf(ws.Root, g, c)
			if err != nil {
				return nil, cli.Exit(cli.ExitUsage, fmt.Errorf("%w (programs: %s)", err, programNames(ws, g)))
			}
			if key, ref := imagebuild.BaseOf(ws.Settings.Images, p); ref == "" {
				return nil, cli.Exit(cli.ExitConfig, fmt.Errorf("%s: %w", n, imagebuild.MissingBase(key)))
			}
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	case r.Affected:
		res, err := affected.Compute(ctx, ws, g, affected.Options{Base: r.Base, Head: r.Head})
		if err != nil {
			return nil, affectedcmd.ExitErr(err)
		}
		for _, it := range res.Affected {
			if it.Affects("build") {
				names = append(names, it.Name)
			}
		}
	default:
		names = g.Names()
	}
	var out []imagebuild.Program
	for _, n := range names {
		p, err := imagebuild.ProgramOf(ws.Root, g, g.Get(n))
		if errors.Is(err, imagebuild.ErrNotProgram) {
			continue
		}
		if key, ref := imagebuild.BaseOf(ws.Settings.Images, p); ref == "" && len(r.Components) == 0 {
			fmt.Fprintf(progress, "%s: skipped: its image needs mono.yaml images.%s\n", n, key)
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

func programNames(ws *workspace.Workspace, g *graph.Graph) string {
	var names []string
	for _, c := range g.Components() {
		if _, err := imagebuild.ProgramOf(ws.Root, g, c); err == nil {
			names = append(names, c.Name)
		}
	}
	return fmt.Sprint(names)
}

func output(w io.Writer, asJSON bool, imgs []imagebuild.Image) error {
	if imgs == nil {
		imgs = []imagebuild.Image{}
	}
	if asJSON {
		return cli.WriteJSON(w, Report{Images: imgs})
	}
	for _, img := range imgs {
		ref := img.Reference
		if ref == "" {
			ref = img.Layout + "@" + img.Digest
		}
		fmt.Fprintf(w, "%s\t%s\n", img.Component, ref)
	}
	return nil
}
