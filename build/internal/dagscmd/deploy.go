package dagscmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/cloud/blob"
	"github.com/acme/platform/libs/config"
)

// Layout of a bundle store: every version kept under versions/<version>/,
// the one Airflow reads under current/ (its S3 DAG bundle's prefix). Each
// folder's manifest.json is written last.
const (
	VersionsPrefix = "versions/"
	CurrentPrefix  = "current/"
	ManifestName   = "manifest.json"
)

// DeployOptions are the flags of dags deploy.
type DeployOptions struct {
	Env    string
	DryRun bool
	// Validate runs mono dags validate first.
	Validate bool
	JSON     bool
}

// DeployResult is what a deploy did or would do.
type DeployResult struct {
	Env       string `json:"env"`
	Store     string `json:"store"`
	Version   string `json:"version"`
	Published string `json:"published_version,omitempty"`
	Diff      Diff   `json:"diff"`
	DryRun    bool   `json:"dry_run"`
	Uploaded  int    `json:"uploaded"`
	Deleted   int    `json:"deleted"`
}

// Store is the part of a blob store deploy uses.
type Store interface {
	Put(ctx context.Context, key string, r io.Reader, opts blob.PutOptions) error
	Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error)
	Delete(ctx context.Context, key string) error
}

func deployCommand(d Deps) *cobra.Command {
	var opts DeployOptions
	cmd := &cobra.Command{
		Use:   "deploy --env ENV",
		Short: "Publish the validated DAG folder as a versioned bundle",
		Long: `Publish the DAG folder to the environment's DAG bucket (the blob store
deploy.settings.bundle_store of dags/component.yaml names, shared.blobs.<name>
of config/<env>.yaml) as a versioned bundle:

  versions/<version>/...          every published version, kept
  versions/<version>/manifest.json
  current/...                     what Airflow's S3 DAG bundle reads
  current/manifest.json           version, digest, git commit, file hashes

The version is the first 12 hex digits of the bundle's digest (SHA-256 over
paths and file hashes). Only a bundle that passed mono dags validate with
exactly these files is published (--validate runs it first); --dry-run
shows the diff against what is published and changes nothing.`,
		Example: `  mono dags validate && mono dags deploy --env dev --dry-run
  mono dags deploy --env staging --validate`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := Deploy(c.Context(), d, opts)
			return err
		},
	}
	cmd.Flags().StringVar(&opts.Env, "env", "", "environment (default $ENV); required")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show the diff against the published bundle, change nothing")
	cmd.Flags().BoolVar(&opts.Validate, "validate", false, "run mono dags validate first")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON for machines")
	return cmd
}

// Deploy publishes the DAG folder to env's bundle store.
func Deploy(ctx context.Context, d Deps, opts DeployOptions) (*DeployResult, error) {
	p, err := d.project()
	if err != nil {
		return nil, err
	}
	env := opts.Env
	if env == "" {
		env = d.Getenv("ENV")
	}
	if env == "" {
		return nil, cli.Usagef("--env is required (environments: %s)", strings.Join(p.ws.Settings.Environments, ", "))
	}
	if !p.ws.ValidEnv(env) {
		return nil, cli.Usagef("unknown environment %q (environments: %s)", env, strings.Join(p.ws.Settings.Environments, ", "))
	}
	if !p.dags.DeployedTo(env) {
		return nil, cli.Usagef("%s is not deployed to %s (deploy.envs of %s)", p.dags.Name, env, p.dags.Manifest)
	}
	if opts.Validate {
		if _, err := Validate(ctx, d, ValidateOptions{}); err != nil {
			return nil, err
		}
	}
	bundle, err := ReadBundle(p.dir)
	if err != nil {
		return nil, err
	}
	stamp, err := readStamp(p.ws.Root)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, cli.Exit(cli.ExitFailed, fmt.Errorf("refusing to publish %s: it has not been validated (run mono dags validate, or deploy with --validate)", p.dags.Dir))
	case err != nil:
		return nil, fmt.Errorf("read the validation record: %w", err)
	case stamp.Digest != bundle.Digest:
		return nil, cli.Exit(cli.ExitFailed, fmt.Errorf("refusing to publish %s: its files changed since the last successful mono dags validate (bundle %s, validated %s); validate again", p.dags.Dir, bundle.Version(), short(stamp.Digest)))
	}

	storeName := p.bundleStore()
	shared, err := d.Shared(ctx, p.ws, env)
	if err != nil {
		return nil, err
	}
	awsCfg, err := config.NewAWSConfig(ctx, shared.AWS)
	if err != nil {
		return nil, err
	}
	store, err := blob.Open(ctx, storeName, shared.Blobs, blob.Options{AWS: awsCfg, BaseDir: p.ws.Root})
	if err != nil {
		return nil, cli.Exit(cli.ExitConfig, fmt.Errorf("bundle store of %s: %w", env, err))
	}
	where := fmt.Sprintf("%s %q", "blob store", storeName)
	if bs, ok := shared.Blobs[storeName]; ok {
		where = describeStore(storeName, bs.Type, bs.Bucket, bs.Dir)
	}

	published, err := readManifest(ctx, store, CurrentPrefix+ManifestName)
	if err != nil {
		return nil, err
	}
	res := &DeployResult{Env: env, Store: where, Version: bundle.Version(), Published: published.Version, DryRun: opts.DryRun,
		Diff: diffFiles(published.Files, bundle.Files)}
	out := d.IO.Out
	if !opts.JSON {
		printDiff(out, res)
	}
	if opts.DryRun || (published.Digest == bundle.Digest) {
		if opts.JSON {
			return res, cli.WriteJSON(out, res)
		}
		if published.Digest == bundle.Digest {
			fmt.Fprintf(out, "version %s is already the current bundle in %s: nothing to do\n", bundle.Version(), env)
		} else {
			fmt.Fprintf(out, "dry run: nothing published\n")
		}
		return res, nil
	}

	m := Manifest{Version: bundle.Version(), Digest: bundle.Digest, Created: d.now().UTC(), GitCommit: gitCommit(ctx, p.ws.Root),
		Validated: stamp.Validated, Files: bundle.Files}
	manifest, _ := json.MarshalIndent(m, "", "  ")
	manifest = append(manifest, '\n')
	put := func(key string, data []byte, ct string) error {
		if err := store.Put(ctx, key, bytes.NewReader(data), blob.PutOptions{ContentType: ct}); err != nil {
			return fmt.Errorf("publish %s to %s: %w", key, where, err)
		}
		res.Uploaded++
		return nil
	}
	// The version folder first, whole; then current/, changed files only,
	// its manifest last.
	for _, f := range bundle.Files {
		data, err := os.ReadFile(filepath.Join(p.dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return res, err
		}
		if err := put(VersionsPrefix+m.Version+"/"+f.Path, data, contentType(f.Path)); err != nil {
			return res, err
		}
	}
	if err := put(VersionsPrefix+m.Version+"/"+ManifestName, manifest, "application/json"); err != nil {
		return res, err
	}
	for _, rel := range append(append([]string{}, res.Diff.Added...), res.Diff.Changed...) {
		data, err := os.ReadFile(filepath.Join(p.dir, filepath.FromSlash(rel)))
		if err != nil {
			return res, err
		}
		if err := put(CurrentPrefix+rel, data, contentType(rel)); err != nil {
			return res, err
		}
	}
	for _, rel := range res.Diff.Removed {
		if err := store.Delete(ctx, CurrentPrefix+rel); err != nil {
			return res, fmt.Errorf("remove %s from %s: %w", CurrentPrefix+rel, where, err)
		}
		res.Deleted++
	}
	if err := put(CurrentPrefix+ManifestName, manifest, "application/json"); err != nil {
		return res, err
	}
	if opts.JSON {
		return res, cli.WriteJSON(out, res)
	}
	fmt.Fprintf(out, "published version %s to %s (%d objects written, %d removed); Airflow reads %s\n", m.Version, env, res.Uploaded, res.Deleted, CurrentPrefix)
	return res, nil
}

// readManifest reads a published manifest; a missing one is an empty manifest.
func readManifest(ctx context.Context, s Store, key string) (Manifest, error) {
	var m Manifest
	r, _, err := s.Get(ctx, key)
	if errors.Is(err, cloud.ErrNotFound) {
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("read the published manifest %s: %w", key, err)
	}
	defer r.Close()
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return m, fmt.Errorf("read the published manifest %s: %w", key, err)
	}
	return m, nil
}

func printDiff(w io.Writer, r *DeployResult) {
	from := r.Published
	if from == "" {
		from = "nothing published"
	}
	fmt.Fprintf(w, "bundle %s -> %s, %s (current: %s)\n", r.Version, r.Env, r.Store, from)
	for _, s := range []struct {
		mark  string
		paths []string
	}{{"+", r.Diff.Added}, {"~", r.Diff.Changed}, {"-", r.Diff.Removed}} {
		for _, p := range s.paths {
			fmt.Fprintf(w, "  %s %s\n", s.mark, p)
		}
	}
	fmt.Fprintf(w, "%d added, %d changed, %d removed, %d unchanged\n", len(r.Diff.Added), len(r.Diff.Changed), len(r.Diff.Removed), len(r.Diff.Unchanged))
}

func describeStore(name, typ, bucket, dir string) string {
	switch typ {
	case "s3":
		return fmt.Sprintf("blob store %q (s3://%s)", name, bucket)
	case "local":
		return fmt.Sprintf("blob store %q (%s)", name, dir)
	}
	return fmt.Sprintf("blob store %q (%s)", name, typ)
}

func contentType(p string) string {
	switch filepath.Ext(p) {
	case ".py":
		return "text/x-python; charset=utf-8"
	case ".json":
		return "application/json"
	case ".toml", ".lock", ".txt", ".yaml", "":
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

func gitCommit(ctx context.Context, root string) string {
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "HEAD")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
