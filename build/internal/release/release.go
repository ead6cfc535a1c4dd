// Package release turns the workspace and an environment into what
// `mono deploy` installs: one Helm release of the generic chart
// deploy/charts/app per deployable program, with values composed from the
// program's component.yaml (deploy.settings), the configuration of the
// environment (config/base.yaml + config/<env>.yaml: which secrets the
// program reads, and the files it loads at start) and the environment's
// deploy settings (deploy/envs/<env>.yaml: namespace, registry, replicas,
// resources, autoscaling, hosts, network).
//
// Build composes and validates a Plan without a cluster; Render renders one
// Release with the Helm SDK engine, also without a cluster. The API:
//
//	func Build(root, env string, opts Options) (*Plan, error)
//	func Render(r Release, namespace string) (map[string]string, error)
//
// Errors name the file and the key: an unknown environment wraps
// config.ErrUnknownEnv, an unknown component graph.ErrUnknown, and a file or
// composed value that breaks deploy/envs or values.schema.json is a
// strictyaml.Error (or Errors); nothing is applied by this package.
//
// How configuration reaches a pod (docs/deploy.md): Go programs get
// config/base.yaml and config/<env>.yaml in a ConfigMap mounted at
// CONFIG_DIR, and ENV; every secret:// key they read becomes an environment
// variable named the way libs/config names overrides
// (SHARED__DATABASE__PASSWORD), filled from a Secret that External Secrets
// copies from Secrets Manager. The Dash app reads only variables
// (SALES_DASH__*), so its plain settings are variables too.
package release

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader"
	"helm.sh/helm/v4/pkg/engine"

	"github.com/acme/platform/build/internal/discover"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/strictyaml"
	"github.com/acme/platform/build/internal/workspace"
	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
)

// ChartDir is the generic chart of our programs, relative to the root.
const ChartDir = "deploy/charts/app"

// Plan is what one environment runs: one Release per deployable program, in
// graph order (a program after the programs it needs).
type Plan struct {
	Env       string
	Namespace string // from deploy/envs/<env>.yaml
	Context   string // kubeconfig context from deploy/envs/<env>.yaml ("" = current)
	Releases  []Release
}

// Release is one Helm release of the generic chart.
type Release struct {
	// Component is the component name, such as orders-api.
	Component string
	// Name is the Helm release name (the component name).
	Name string
	// Chart is the chart folder, an absolute path.
	Chart string
	// Values are the composed values, complete (chart defaults included)
	// and valid against the chart's values.schema.json; never a secret value.
	Values map[string]any
	// Needs are the components of this Plan that must be deployed first
	// (graph edges).
	Needs []string
	// Image is what runs.
	Image Image
}

// Image is an image reference: repository plus tag and/or digest.
type Image struct{ Repository, Tag, Digest string }

// String returns repository:tag@digest, leaving out what is empty.
func (i Image) String() string {
	s := i.Repository
	if i.Tag != "" {
		s += ":" + i.Tag
	}
	if i.Digest != "" {
		s += "@" + i.Digest
	}
	return s
}

// Options narrow and pin a Build.
type Options struct {
	// Components are the programs to deploy; empty means every deployable
	// program of the environment.
	Components []string
	// Tag is the image tag; "" means the current git revision.
	Tag string
	// Images are per-component images (from `mono image build` records);
	// they win over Tag.
	Images map[string]Image
	// Digests pin, per component, the image index digest of the tag's image
	// (from the records of `mono image build` at that revision), so what
	// runs is the image that was built even if the tag moved.
	Digests map[string]string
	// Revision is the git revision recorded on the objects; "" means the
	// current one (git rev-parse HEAD), left empty outside a git checkout.
	Revision string
}

// Deployable reports whether components of kind k are programs this chart
// runs: services, jobs, the console (node-app with a Go server) and the
// Dash app.
func Deployable(k graph.Kind) bool {
	switch k {
	case graph.GoService, graph.GoJob, graph.NodeApp, graph.PythonApp:
		return true
	}
	return false
}

// dbLibDir is the library whose users reach the database: their
// NetworkPolicy lets them out to deploy/envs network.database.
const dbLibDir = "libs/db"

// Build loads deploy/envs/<env>.yaml, config/<env>, the component graph
// and its deploy settings, and composes and validates the values of each
// release. It needs no cluster and changes nothing.
func Build(root, env string, opts Options) (*Plan, error) {
	ws, err := workspace.Load(root)
	if err != nil {
		return nil, err
	}
	if !ws.ValidEnv(env) {
		return nil, fmt.Errorf("%w %q: valid environments are %s", config.ErrUnknownEnv, env, strings.Join(ws.Settings.Environments, ", "))
	}
	ef, err := LoadEnvFile(root, env)
	if err != nil {
		return nil, err
	}
	g, err := discover.Discover(ws)
	if err != nil {
		return nil, err
	}
	all := programs(g, env)
	names, err := selectPrograms(g, env, all, opts.Components)
	if err != nil {
		return nil, err
	}
	envRel := EnvsDir + "/" + env + ".yaml"
	envData, _ := os.ReadFile(filepath.Join(root, filepath.FromSlash(envRel)))
	for name := range ef.Components {
		if !slices.Contains(all, name) {
			return nil, &strictyaml.Error{File: envRel, Line: strictyaml.KeyLine(envData, "components", name),
				Msg: fmt.Sprintf("components.%s: not a program deployed to %s (programs: %s)", name, env, strings.Join(all, ", "))}
		}
	}
	cfg, err := loadConfig(root, ws, env)
	if err != nil {
		return nil, err
	}
	chartAbs := filepath.Join(root, filepath.FromSlash(ChartDir))
	ch, err := loader.Load(chartAbs)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", ChartDir, err)
	}
	schema, err := compileSchema(chartAbs)
	if err != nil {
		return nil, err
	}
	revision := opts.Revision
	if revision == "" {
		revision = gitRevision(root)
	}
	tag := opts.Tag
	if tag == "" {
		tag = revision
	}
	c := &composer{root: root, env: env, envRel: envRel, envData: envData, ef: ef, g: g, cfg: cfg, all: all, revision: revision}
	plan := &Plan{Env: env, Namespace: ef.Namespace, Context: ef.Context}
	for _, name := range names {
		comp := g.Get(name)
		img, ok := opts.Images[name]
		if !ok {
			if tag == "" {
				return nil, fmt.Errorf("%s: no image tag: give --tag, or run inside a git checkout (the tag is the revision)", name)
			}
			img = Image{Repository: strings.TrimSuffix(ef.Registry, "/") + "/" + name, Tag: tag, Digest: opts.Digests[name]}
		}
		if img.Tag == "latest" {
			return nil, fmt.Errorf("%s: image tag latest: images are pinned by an immutable tag (--tag, default the git revision) or a digest, never latest", name)
		}
		vals, origins, err := c.compose(comp, img)
		if err != nil {
			return nil, err
		}
		full, err := chartutil.CoalesceValues(ch, vals)
		if err != nil {
			return nil, fmt.Errorf("%s: coalesce values: %w", name, err)
		}
		normal, err := normalize(full)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := validate(schema, name, normal, origins); err != nil {
			return nil, err
		}
		var needs []string
		for _, d := range comp.DependsFor("deploy") {
			if slices.Contains(names, d) {
				needs = append(needs, d)
			}
		}
		plan.Releases = append(plan.Releases, Release{Component: name, Name: name, Chart: chartAbs, Values: normal, Needs: needs, Image: img})
	}
	return plan, nil
}

// programs returns the deployable programs of env, sorted.
func programs(g *graph.Graph, env string) []string {
	var out []string
	for _, c := range g.Components() {
		if Deployable(c.Kind) && c.DeployedTo(env) {
			out = append(out, c.Name)
		}
	}
	sort.Strings(out)
	return out
}

// selectPrograms checks the requested components and returns them (or
// every program) in graph order.
func selectPrograms(g *graph.Graph, env string, all, requested []string) ([]string, error) {
	if len(requested) == 0 {
		requested = all
	}
	for _, name := range requested {
		c, err := g.Lookup(name)
		if err != nil {
			return nil, err
		}
		if !Deployable(c.Kind) {
			return nil, fmt.Errorf("%w %q: a %s is not a program the app chart deploys (programs of %s: %s)", graph.ErrUnknown, name, c.Kind, env, strings.Join(all, ", "))
		}
		if !c.DeployedTo(env) {
			return nil, fmt.Errorf("%w %q in %s: its deploy.envs (%s) leave out %s", graph.ErrUnknown, name, c.Manifest, strings.Join(c.Deploy.Envs, ", "), env)
		}
	}
	var out []string
	for _, n := range g.Order(requested) {
		if slices.Contains(requested, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// envConfig is what the configuration of an environment says about the
// programs: the files, the shared section and each program's section.
type envConfig struct {
	files    map[string]string // base.yaml and <env>.yaml, by name
	shared   *config.Section
	prefix   string // shared.secrets.prefix
	provider string // shared.secrets.provider
	sections map[string]*config.Section
}

// loadConfig reads config/ for env without resolving references.
func loadConfig(root string, ws *workspace.Workspace, env string) (*envConfig, error) {
	dir := ws.Settings.ConfigDir
	abs := filepath.Join(root, filepath.FromSlash(dir))
	set, err := config.Load(config.Options{FS: os.DirFS(abs), Dir: dir, Env: env, Environments: ws.Settings.Environments, Sections: components.Names()})
	if err != nil {
		return nil, err
	}
	out := &envConfig{files: map[string]string{}, sections: map[string]*config.Section{}}
	for _, f := range []string{config.BaseFile, env + ".yaml"} {
		data, err := os.ReadFile(filepath.Join(abs, f))
		if err != nil {
			return nil, fmt.Errorf("read %s/%s: %w", dir, f, err)
		}
		out.files[f] = string(data)
	}
	for _, s := range components.Sections() {
		v := s.New()
		sec, err := set.DecodeUnresolved(s.Name, v)
		if err != nil {
			return nil, err
		}
		if s.Name == components.SharedName {
			sh := v.(*components.Shared)
			out.shared, out.prefix, out.provider = sec, sh.Secrets.Prefix, sh.Secrets.Provider
			continue
		}
		out.sections[s.Name] = sec
	}
	return out, nil
}

// gitRevision is HEAD of the checkout at root, or "" outside one.
func gitRevision(root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// normalize turns values into plain JSON types (map[string]any, []any,
// float64, string, bool), the form the schema validator and Helm expect.
func normalize(v map[string]any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	return out, nil
}

// compileSchema compiles the chart's values.schema.json.
func compileSchema(chartAbs string) (*jsonschema.Schema, error) {
	file := filepath.Join(chartAbs, "values.schema.json")
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read %s/values.schema.json: %w", ChartDir, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s/values.schema.json: %w", ChartDir, err)
	}
	c := jsonschema.NewCompiler()
	const url = "file:///values.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("%s/values.schema.json: %w", ChartDir, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("%s/values.schema.json: %w", ChartDir, err)
	}
	return s, nil
}

// validate checks the values of component against the schema; each
// problem names the value, the file and key it came from, and the rule.
func validate(s *jsonschema.Schema, component string, vals map[string]any, origins map[string]string) error {
	err := s.Validate(vals)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("%s: values: %w", component, err)
	}
	var errs strictyaml.Errors
	seen := map[string]bool{}
	for _, leaf := range leaves(ve) {
		key := strings.Join(leaf.InstanceLocation, ".")
		msg := leaf.ErrorKind.LocalizedString(message.NewPrinter(language.English))
		if seen[key+msg] {
			continue
		}
		seen[key+msg] = true
		file, from := originOf(origins, key)
		errs = append(errs, &strictyaml.Error{File: file, Msg: fmt.Sprintf("%s: %s (value %s of %s, %s)", from, msg, orRoot(key), component, ChartDir+"/values.schema.json")})
	}
	return errs
}

// leaves returns the innermost causes of a validation error.
func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

func orRoot(key string) string {
	if key == "" {
		return "(root)"
	}
	return key
}

// originOf finds the source of a value key (or of its closest parent):
// "file\x00key" as recorded by the composer.
func originOf(origins map[string]string, key string) (file, from string) {
	for k := key; ; k = path.Dir(strings.ReplaceAll(k, ".", "/")) {
		k = strings.ReplaceAll(k, "/", ".")
		if o, ok := origins[k]; ok {
			file, from, _ = strings.Cut(o, "\x00")
			return file, from
		}
		if k == "." || k == "" {
			return ChartDir + "/values.yaml", orRoot(key)
		}
	}
}

// Render renders one release's manifests with the Helm SDK engine and no
// cluster (for --dry-run, --diff and tests): template path -> YAML, empty
// documents left out. The values are validated against the schema again by
// Helm.
func Render(r Release, namespace string) (map[string]string, error) {
	ch, err := loader.Load(r.Chart)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", r.Chart, err)
	}
	vals, err := chartutil.ToRenderValues(ch, r.Values, common.ReleaseOptions{Name: r.Name, Namespace: namespace, IsInstall: true, Revision: 1}, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Component, err)
	}
	out, err := engine.Render(ch, vals)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", r.Component, err)
	}
	maps.DeleteFunc(out, func(name, body string) bool {
		return strings.HasSuffix(name, "NOTES.txt") || strings.HasPrefix(path.Base(name), "_") || strings.TrimSpace(strings.ReplaceAll(body, "---", "")) == ""
	})
	return out, nil
}
