package imagebuild

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/textproto"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Paths of the Python app image.
const (
	// PythonApp holds the app's tracked files; PYTHONPATH starts here.
	PythonApp = "app"
	// PythonDeps holds the installed dependencies (pip --target).
	PythonDeps = "opt/site-packages"
	// PythonEntry is the app's start script in its folder (python app.py).
	PythonEntry = "app.py"
)

// pythonPlatforms are the wheel platform tags pip may take per
// architecture: manylinux_2_28 (glibc 2.28) and the older manylinux2014
// tags; pip lists no older glibc by itself when given --platform.
var pythonPlatforms = map[string][]string{
	"amd64": {"manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"},
	"arm64": {"manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"},
}

// PyPackage is one installed distribution (its dist-info METADATA).
type PyPackage struct {
	Name, Version string
}

// PythonVersion returns the major.minor Python version of a base: its
// PYTHON_VERSION variable, which the official python images set.
func PythonVersion(cf *v1.ConfigFile, ref string) (string, error) {
	for _, kv := range cf.Config.Env {
		if v, ok := strings.CutPrefix(kv, "PYTHON_VERSION="); ok {
			parts := strings.Split(v, ".")
			if len(parts) >= 2 {
				return parts[0] + "." + parts[1], nil
			}
		}
	}
	return "", fmt.Errorf("the base %s (mono.yaml images.pythonBase) names no PYTHON_VERSION=<major>.<minor>... in its environment: use an official python image (python:3.11-slim@sha256:...)", ref)
}

// pythonRequirements returns the runtime dependencies of the app folder
// dir (pyproject.toml [project] dependencies) and the file that pins the
// whole tree (requirements.txt), both relative to root.
func pythonRequirements(root, dir string) (deps []string, pins string, err error) {
	pp := path.Join(dir, "pyproject.toml")
	var doc struct {
		Project struct {
			Dependencies []string `toml:"dependencies"`
		} `toml:"project"`
	}
	if _, err := toml.DecodeFile(filepath.Join(root, filepath.FromSlash(pp)), &doc); err != nil {
		return nil, "", fmt.Errorf("read %s (its [project] dependencies are what the image installs): %w", pp, err)
	}
	if len(doc.Project.Dependencies) == 0 {
		return nil, "", fmt.Errorf("%s: [project] dependencies is empty: list what the app imports", pp)
	}
	pins = path.Join(dir, "requirements.txt")
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(pins))); err != nil {
		return nil, "", fmt.Errorf("%s is missing: it pins the whole dependency tree the image installs", pins)
	}
	return doc.Project.Dependencies, pins, nil
}

var pinLine = regexp.MustCompile(`^([A-Za-z0-9._-]+)==([^\s;#]+)`)

// pinned reads the name==version lines of a requirements file, by
// normalized name.
func pinned(file string) (map[string]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if m := pinLine.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil {
			out[normalizePyName(m[1])] = m[2]
		}
	}
	return out, sc.Err()
}

// normalizePyName is a distribution name as PEP 503 compares them.
func normalizePyName(s string) string {
	return strings.ToLower(regexp.MustCompile(`[-_.]+`).ReplaceAllString(s, "-"))
}

// pipInstall installs the app's runtime dependencies for one platform
// into dir with the host's python3 -m pip: wheels only, for the base's
// Python version, every version held by the pins (-c), no byte code
// (pip would stamp it with the time), downloads cached under
// .mono/cache/pip. What a dependency installs outside the import path
// (bin/ scripts whose #! names the host's Python, share/, etc/) is
// dropped. Every installed distribution must be pinned, at that version.
func pipInstall(ctx context.Context, o Options, arch, pyVersion, appDir, dir string) ([]File, []PyPackage, error) {
	deps, pins, err := pythonRequirements(o.Root, appDir)
	if err != nil {
		return nil, nil, err
	}
	plats, ok := pythonPlatforms[arch]
	if !ok {
		return nil, nil, fmt.Errorf("no Python wheel platform for linux/%s", arch)
	}
	args := []string{"-m", "pip", "install", "--isolated", "--disable-pip-version-check", "--no-input", "--quiet",
		"--only-binary=:all:", "--implementation", "cp", "--python-version", pyVersion, "--no-compile", "--no-warn-script-location",
		"--target", dir, "--cache-dir", filepath.Join(o.Root, ".mono", "cache", "pip"),
		"-c", filepath.Join(o.Root, filepath.FromSlash(pins))}
	for _, p := range plats {
		args = append(args, "--platform", p)
	}
	args = append(args, deps...)
	cmd := exec.CommandContext(ctx, "python3", args...)
	cmd.Env = o.Environ
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("pip install the dependencies of %s for linux/%s (Python %s): %w\n%s", appDir, arch, pyVersion, err, tail(out, 30))
	}
	pin, err := pinned(filepath.Join(o.Root, filepath.FromSlash(pins)))
	if err != nil {
		return nil, nil, err
	}
	var files []File
	var pkgs []PyPackage
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if d.IsDir() {
			if !strings.Contains(rel, "/") && (rel == "bin" || rel == "share" || rel == "etc") {
				return filepath.SkipDir
			}
			if d.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file (pip installed a link?)", rel)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		mode := int64(0o644)
		if info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		files = append(files, File{Path: PythonDeps + "/" + rel, Mode: mode, Body: body})
		if dist, ok := strings.CutSuffix(path.Dir(rel), ".dist-info"); ok && path.Base(rel) == "METADATA" && !strings.Contains(dist, "/") {
			h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(body))).ReadMIMEHeader()
			if err != nil && h == nil {
				return fmt.Errorf("read %s: %w", rel, err)
			}
			pkgs = append(pkgs, PyPackage{Name: h.Get("Name"), Version: h.Get("Version")})
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read the installed dependencies: %w", err)
	}
	slices.SortFunc(pkgs, func(a, b PyPackage) int { return strings.Compare(normalizePyName(a.Name), normalizePyName(b.Name)) })
	var unpinned []string
	for _, p := range pkgs {
		if v, ok := pin[normalizePyName(p.Name)]; !ok || v != p.Version {
			unpinned = append(unpinned, p.Name+"=="+p.Version)
		}
	}
	if len(unpinned) > 0 {
		return nil, nil, fmt.Errorf("%s does not pin %s, which pip installed for linux/%s: add them (name==version) so that the image repeats", pins, strings.Join(unpinned, ", "), arch)
	}
	return files, pkgs, nil
}

func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// pythonConfig makes cf run the app: python3 app.py from the app folder,
// as nonroot, the dependencies on PYTHONPATH, no byte code written (the
// chart's root file system is read-only).
func pythonConfig(cf *v1.ConfigFile) {
	cf.Config.User = fmt.Sprintf("%d:%d", NonRoot, NonRoot)
	cf.Config.Entrypoint = []string{"python3", "/" + PythonApp + "/" + PythonEntry}
	cf.Config.Cmd = nil
	cf.Config.WorkingDir = "/" + PythonApp
	var env []string
	for _, kv := range cf.Config.Env {
		k, _, _ := strings.Cut(kv, "=")
		if k == "PYTHONPATH" || k == "PYTHONDONTWRITEBYTECODE" || k == "PYTHONUNBUFFERED" || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	cf.Config.Env = append(env, "PYTHONPATH=/"+PythonApp+":/"+PythonDeps, "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "HOME=/tmp")
}

// PythonSBOM is the SPDX 2.3 document of a Python app's installed
// distributions (name and version from their METADATA, purl pkg:pypi).
func PythonSBOM(app string, pkgs []PyPackage, pyVersion, namespace string, created time.Time) ([]byte, error) {
	main := SPDXPackage{Name: app, DownloadLocation: "NOASSERTION", Comment: "Python app " + app}
	var deps []SPDXPackage
	for _, p := range pkgs {
		n := normalizePyName(p.Name)
		deps = append(deps, SPDXPackage{
			Name: p.Name, VersionInfo: p.Version, DownloadLocation: "https://pypi.org/project/" + n + "/" + p.Version + "/",
			ExternalRefs: []SPDXRef{{Category: "PACKAGE-MANAGER", Type: "purl", Locator: "pkg:pypi/" + n + "@" + p.Version}},
		})
	}
	return spdxDocument(app, namespace, created, "Python "+pyVersion+" wheels (pip --only-binary=:all:)", main, deps)
}

// pythonDeps installs p's dependencies for b's platform into dir and
// returns them as the files of a layer, their size and the SBOM.
func pythonDeps(ctx context.Context, o Options, b base, p Program, repository string, commit Commit, dir string) ([]File, int64, []byte, error) {
	cf, err := b.img.ConfigFile()
	if err != nil {
		return nil, 0, nil, err
	}
	_, ref := BaseOf(o.Settings, p)
	pyVersion, err := PythonVersion(cf, ref)
	if err != nil {
		return nil, 0, nil, err
	}
	arch := strings.TrimPrefix(b.platform, "linux/")
	files, pkgs, err := pipInstall(ctx, o, arch, pyVersion, p.Main, dir)
	if err != nil {
		return nil, 0, nil, err
	}
	var size int64
	for _, f := range files {
		size += int64(len(f.Body))
	}
	doc, err := PythonSBOM(p.Component, pkgs, pyVersion, "https://spdx.org/spdxdocs/"+repository+"-"+commit.Revision, commit.Time)
	return files, size, doc, err
}
