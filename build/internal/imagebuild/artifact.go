package imagebuild

import (
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// emptyConfig is the OCI 1.1 empty descriptor's content.
var emptyConfig = []byte("{}")

// artifact is an OCI 1.1 artifact manifest: artifactType, the empty
// config, one blob, and a subject, the image index it describes.
type artifact struct {
	manifest []byte
	blob     v1.Layer
}

// Artifact returns blob (of mediaType) as an OCI 1.1 artifact whose
// subject is subject: what registries list under the subject's referrers
// (GET /v2/<repo>/referrers/<digest>).
func Artifact(blob []byte, mediaType types.MediaType, subject v1.Descriptor, annotations map[string]string) (v1.Image, error) {
	layer := static.NewLayer(blob, mediaType)
	ld, err := partial.Descriptor(layer)
	if err != nil {
		return nil, err
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  string(mediaType),
		Config:        v1.Descriptor{MediaType: types.OCIEmptyJSON, Size: int64(len(emptyConfig)), Digest: hashOf(emptyConfig), Data: emptyConfig},
		Layers:        []v1.Descriptor{*ld},
		Subject:       &subject,
		Annotations:   annotations,
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("artifact manifest: %w", err)
	}
	return partial.CompressedToImage(&artifact{manifest: raw, blob: layer})
}

func hashOf(b []byte) v1.Hash {
	h, _, _ := v1.SHA256(bytesReader(b))
	return h
}

func (a *artifact) RawConfigFile() ([]byte, error)      { return emptyConfig, nil }
func (a *artifact) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (a *artifact) RawManifest() ([]byte, error)        { return a.manifest, nil }

func (a *artifact) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if d, _ := a.blob.Digest(); d == h {
		return a.blob, nil
	}
	if h == hashOf(emptyConfig) {
		return static.NewLayer(emptyConfig, types.OCIEmptyJSON), nil
	}
	return nil, fmt.Errorf("artifact has no blob %s", h)
}
