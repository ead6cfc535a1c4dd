package imagebuild

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/acme/platform/build/internal/workspace"
)

// Target is where one image goes: its repository and immutable tag.
type Target struct {
	Repo name.Repository
	Tag  name.Tag
}

// Targets checks registry (host[:port][/path]) and every image's
// repository and tag before anything is pushed, and refuses images built
// from a work tree with uncommitted changes: their tag would name a
// commit they do not match.
func Targets(registry string, imgs []Image) ([]Target, error) {
	registry = strings.TrimSuffix(registry, "/")
	if registry == "" || strings.Contains(registry, "://") || strings.ContainsAny(registry, "@ ") {
		return nil, fmt.Errorf("--push %q: want a registry as host[:port][/path], e.g. 123456789012.dkr.ecr.eu-central-1.amazonaws.com or 127.0.0.1:5000", registry)
	}
	host, _, _ := strings.Cut(registry, "/")
	if _, err := name.NewRegistry(host, name.StrictValidation); err != nil {
		return nil, fmt.Errorf("--push %q: %q is not a registry host: %w", registry, host, err)
	}
	out := make([]Target, 0, len(imgs))
	for _, img := range imgs {
		if img.Dirty {
			return nil, fmt.Errorf("%s was built from a work tree with uncommitted changes: commit them and build again before --push (the tag %s would name a commit the image does not match)", img.Component, shortRev(img.Revision))
		}
		repo, err := name.NewRepository(registry+"/"+img.Repository, name.StrictValidation)
		if err != nil {
			return nil, fmt.Errorf("--push %q: %s/%s is not a valid repository: %w", registry, registry, img.Repository, err)
		}
		out = append(out, Target{Repo: repo, Tag: repo.Tag(img.Tag)})
	}
	return out, nil
}

// Push pushes each image's index (with its platform manifests and
// layers, tagged with the revision) and then its SBOM artifact (pushed by
// digest; the registry lists it under the index's referrers, or ggcr
// keeps the sha256-<digest> fallback tag where the registry has no
// referrers API). A tag that already names another digest is an error
// (tags are immutable); the same digest is not pushed again. Each pushed
// image's record gets its references.
func Push(ctx context.Context, root string, s workspace.ImageSettings, registry string, imgs []Image, targets []Target, progress io.Writer, opts ...remote.Option) ([]Image, error) {
	opts = append([]remote.Option{remote.WithContext(ctx)}, opts...)
	out := make([]Image, 0, len(imgs))
	for i, img := range imgs {
		t := targets[i]
		lp, err := layout.FromPath(filepath.Join(root, filepath.FromSlash(img.Layout)))
		if err != nil {
			return out, fmt.Errorf("%s: read the layout %s: %w", img.Component, img.Layout, err)
		}
		idxDigest, err := v1.NewHash(img.Digest)
		if err != nil {
			return out, fmt.Errorf("%s: record digest %q: %w", img.Component, img.Digest, err)
		}
		idx, err := lp.ImageIndex()
		if err != nil {
			return out, err
		}
		index, err := idx.ImageIndex(idxDigest)
		if err != nil {
			return out, fmt.Errorf("%s: the layout %s has no index %s: build again: %w", img.Component, img.Layout, img.Digest, err)
		}
		sbomDigest, err := v1.NewHash(img.SBOM.Digest)
		if err != nil {
			return out, err
		}
		sbom, err := idx.Image(sbomDigest)
		if err != nil {
			return out, fmt.Errorf("%s: the layout %s has no SBOM %s: build again: %w", img.Component, img.Layout, img.SBOM.Digest, err)
		}
		existing, err := remote.Head(t.Tag, opts...)
		var terr *transport.Error
		switch {
		case err == nil && existing.Digest.String() != img.Digest:
			return out, fmt.Errorf("%s: the tag %s already names %s, not %s: tags are immutable; the same commit built here differs (another Go version or base?)", img.Component, t.Tag, existing.Digest, img.Digest)
		case err == nil:
			fmt.Fprintf(progress, "%s: %s is already there\n", img.Component, t.Tag)
		case errors.As(err, &terr) && terr.StatusCode == 404:
			if err := remote.WriteIndex(t.Tag, index, opts...); err != nil {
				return out, fmt.Errorf("%s: push %s: %w", img.Component, t.Tag, err)
			}
			fmt.Fprintf(progress, "%s: pushed %s\n", img.Component, t.Tag)
		default:
			return out, fmt.Errorf("%s: ask %s for %s: %w", img.Component, t.Repo.RegistryStr(), t.Tag, err)
		}
		if err := remote.Write(t.Repo.Digest(img.SBOM.Digest), sbom, opts...); err != nil {
			return out, fmt.Errorf("%s: push the SBOM: %w", img.Component, err)
		}
		img.Registry = strings.TrimSuffix(registry, "/")
		img.Reference = t.Repo.Digest(img.Digest).String()
		img.TagReference = t.Tag.String()
		if err := WriteRecord(root, s, img); err != nil {
			return out, err
		}
		fmt.Fprintf(progress, "%s: %s (sbom %s)\n", img.Component, img.Reference, img.SBOM.Digest)
		out = append(out, img)
	}
	return out, nil
}

func shortRev(r string) string {
	if len(r) > 12 {
		return r[:12]
	}
	return r
}
