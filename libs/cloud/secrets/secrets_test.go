package secrets_test

import (
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/acme/platform/libs/cloud/secrets"
	"github.com/acme/platform/libs/cloud/secrets/secretstest"
)

func TestFile(t *testing.T) {
	t.Parallel()
	secretstest.RunSuite(t, false, func(t *testing.T, seed map[string][]string) secrets.Store {
		dir := t.TempDir()
		latest := map[string]string{}
		for k, vs := range seed {
			latest[k] = vs[len(vs)-1]
		}
		b, err := yaml.Marshal(latest)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "secrets.local.yaml"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		return secrets.NewFile(os.DirFS(dir), "secrets.local.yaml", "config/secrets.local.yaml")
	})
}
