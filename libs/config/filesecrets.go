package config

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"go.yaml.in/yaml/v3"
)

// FileSecrets is the local secret provider: one YAML file (by default
// config/secrets.local.yaml, gitignored, created from the committed
// secrets.local.example.yaml) whose top-level keys are secret names and whose
// values are a string or a mapping (the JSON object of a Secrets Manager
// secret). It is for the local environment only; Load refuses it in prod.
type FileSecrets struct {
	fsys    fs.FS
	name    string // the file inside fsys
	display string // how messages name the file
}

var _ SecretProvider = (*FileSecrets)(nil)

// NewFileSecrets reads secrets from the file name in fsys; display is how
// messages name it (config/secrets.local.yaml).
func NewFileSecrets(fsys fs.FS, name, display string) *FileSecrets {
	return &FileSecrets{fsys: fsys, name: name, display: display}
}

// GetSecret returns the secret name: a string, or a mapping as a JSON object.
// The file is read on every call, so edits reach watchers; the version is a
// hash of the secret's content.
func (f *FileSecrets) GetSecret(_ context.Context, name string) (Versioned, error) {
	data, err := fs.ReadFile(f.fsys, f.name)
	if errors.Is(err, fs.ErrNotExist) {
		return Versioned{}, fmt.Errorf("%w: %s does not exist: copy %s to it and fill it in", ErrNotFound, f.display, exampleOf(f.display))
	}
	if err != nil {
		return Versioned{}, fmt.Errorf("read %s: %w", f.display, err)
	}
	var all map[string]any
	if err := yaml.Unmarshal(data, &all); err != nil {
		// yaml syntax errors carry a line and never a value.
		return Versioned{}, fmt.Errorf("%w: %s: %v", ErrSyntax, f.display, err)
	}
	v, ok := all[name]
	if !ok || v == nil {
		return Versioned{}, fmt.Errorf("%w: secret %q is not in %s", ErrNotFound, name, f.display)
	}
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case map[string]any:
		b, err := json.Marshal(v)
		if err != nil {
			return Versioned{}, fmt.Errorf("%w: secret %q in %s: keys must be strings", ErrInvalid, name, f.display)
		}
		s = string(b)
	default:
		b, _ := json.Marshal(v)
		s = string(b)
	}
	return Versioned{Value: NewSecret(s), Version: contentVersion([]byte(s))}, nil
}

// exampleOf names the committed example of a local secrets file.
func exampleOf(display string) string {
	const suffix = ".yaml"
	if len(display) > len(suffix) && display[len(display)-len(suffix):] == suffix {
		return display[:len(display)-len(suffix)] + ".example" + suffix
	}
	return display + ".example"
}
