package imagebuild

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// GoBuild compiles the main package in pkgDir (slash path relative to
// root, "./services/pricing") for linux/arch into out: a static binary
// (CGO_ENABLED=0), no file system paths (-trimpath), no VCS stamp
// (-buildvcs=false: the revision is an image label, and the binary stays
// the same whether the work tree is clean or not), no symbol table
// (-ldflags=-s -w; the pclntab that stacks and pprof need stays). environ
// is the environment of go; the settings that change the code it makes
// (GOOS, GOARCH, GOAMD64, GOARM64, CGO_ENABLED, GOFLAGS, GOEXPERIMENT) are
// set here.
func GoBuild(ctx context.Context, root, pkgDir, arch, out string, environ []string) error {
	env := make([]string, 0, len(environ)+8)
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOOS", "GOARCH", "GOAMD64", "GOARM64", "GOARM", "CGO_ENABLED", "GOFLAGS", "GOEXPERIMENT", "GOWORK":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0", "GOAMD64=v1", "GOARM64=v8.0", "GOFLAGS=-mod=readonly", "GOWORK=off")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, "./"+strings.TrimPrefix(pkgDir, "./"))
	cmd.Dir = root
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./%s for linux/%s: %w\n%s", filepath.ToSlash(pkgDir), arch, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
