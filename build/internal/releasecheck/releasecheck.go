// Package releasecheck checks a platform release under deploy/releases (a
// helm-release component: a pinned chart and values files per environment)
// against what the environments define, before any cluster sees it:
//
//   - every values file parses as YAML;
//   - every ${ssm:///acme/<env>/...} placeholder names a parameter the
//     environment's Terraform publishes (infrastructure/live with
//     <env>.tfvars, the discovery module; the names config/README.md lists);
//   - every Kubernetes Secret the values name (keys ending in SecretName) is
//     one the release makes with External Secrets (deploy.settings.
//     external_secrets of its component.yaml), and every Secrets Manager
//     secret those read is one Terraform defines for the environment;
//   - no value holds a literal secret (fernetKey, passwords, ...);
//   - placeholders are only ${ssm://...} and ${image:<name>}.
//
// Resolving the placeholders and making the Secrets is the deploy step's work.
package releasecheck

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"go.yaml.in/yaml/v3"

	"github.com/acme/platform/build/internal/tfcheck"
)

// Finding is one problem at a place.
type Finding struct {
	File    string // relative to the repository root
	Line    int
	Message string
}

func (f Finding) String() string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Message)
	}
	return fmt.Sprintf("%s: %s", f.File, f.Message)
}

// ExternalSecret makes one Kubernetes Secret from a Secrets Manager secret.
type ExternalSecret struct {
	// Name is the Kubernetes Secret.
	Name string `yaml:"name"`
	// Secret is the Secrets Manager secret, without the acme/<env>/ prefix.
	Secret string `yaml:"secret"`
	// Keys maps the Kubernetes Secret's keys to the secret's JSON keys.
	Keys map[string]string `yaml:"keys"`
}

// Manifest is the part of a release's component.yaml this package reads.
type Manifest struct {
	Kind   string `yaml:"kind"`
	Deploy struct {
		Envs     []string `yaml:"envs"`
		Settings struct {
			Chart           string           `yaml:"chart"`
			Version         string           `yaml:"version"`
			Values          []string         `yaml:"values"`
			ExternalSecrets []ExternalSecret `yaml:"external_secrets"`
		} `yaml:"settings"`
	} `yaml:"deploy"`
}

// Check checks the release in dir (absolute, or relative to root) for each
// environment it is deployed to. root is the repository root, whose
// infrastructure/ says what each environment defines.
func Check(root, dir string) ([]Finding, error) {
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	rel := func(p string) string {
		r, err := filepath.Rel(root, p)
		if err != nil {
			return p
		}
		return filepath.ToSlash(r)
	}
	manifestPath := filepath.Join(dir, "component.yaml")
	raw, err := os.ReadFile(manifestPath)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return []Finding{{File: rel(manifestPath), Message: err.Error()}}, nil
	}
	var out []Finding
	s := m.Deploy.Settings
	switch {
	case m.Kind != "helm-release":
		out = append(out, Finding{File: rel(manifestPath), Message: fmt.Sprintf("kind is %q, want helm-release", m.Kind)})
	case s.Chart == "" || s.Version == "":
		out = append(out, Finding{File: rel(manifestPath), Message: "deploy.settings.chart and .version are required (a pinned chart)"})
	case len(m.Deploy.Envs) == 0 || len(s.Values) == 0:
		out = append(out, Finding{File: rel(manifestPath), Message: "deploy.envs and deploy.settings.values are required"})
	}
	made := map[string]bool{}
	for _, es := range s.ExternalSecrets {
		made[es.Name] = true
	}

	tree := tfcheck.NewTree(root, tfcheck.DefaultDir, "config", m.Deploy.Envs)
	for _, env := range m.Deploy.Envs {
		published, found, err := tree.Published(env)
		if err != nil {
			return nil, fmt.Errorf("read what %s publishes: %w", env, err)
		}
		for _, f := range found {
			out = append(out, Finding{File: f.File, Line: f.Line, Message: f.Message})
		}
		secrets, err := definedSecrets(filepath.Join(root, tfcheck.DefaultDir, tfcheck.LiveDir))
		if err != nil {
			return nil, err
		}
		for _, es := range s.ExternalSecrets {
			if !secrets[es.Secret] {
				out = append(out, Finding{File: rel(manifestPath), Line: lineOf(raw, "secret: "+es.Secret),
					Message: fmt.Sprintf("external secret %s reads acme/%s/%s, which infrastructure/%s does not define (defined: %s)", es.Name, env, es.Secret, tfcheck.LiveDir, keys(secrets))})
			}
		}
		for _, v := range s.Values {
			file := filepath.Join(dir, strings.ReplaceAll(v, "{env}", env))
			found, err := checkValues(file, rel(file), env, published, made)
			if err != nil {
				return nil, err
			}
			out = append(out, found...)
		}
	}
	return dedupe(out), nil
}

// checkValues checks one values file for env.
func checkValues(path, display, env string, published []string, made map[string]bool) ([]Finding, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return []Finding{{File: display, Message: "values file missing"}}, nil
	}
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return []Finding{{File: display, Message: "malformed YAML: " + err.Error()}}, nil
	}
	placeholder := regexp.MustCompile(`\$\{([a-z]+):([^}]*)\}`)
	var refs []tfcheck.Ref
	var out []Finding
	var walk func(n *yaml.Node, key string)
	walk = func(n *yaml.Node, key string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if v.Kind == yaml.ScalarNode && v.Value != "" && v.Tag != "!!null" {
					if strings.HasSuffix(k.Value, "SecretName") || k.Value == "secretName" {
						if !made[v.Value] {
							out = append(out, Finding{File: display, Line: v.Line, Message: fmt.Sprintf("%s: Secret %q is not made by the release (add it to deploy.settings.external_secrets)", k.Value, v.Value)})
						}
					}
					if literalSecretKey(k.Value) {
						out = append(out, Finding{File: display, Line: v.Line, Message: fmt.Sprintf("%s holds a literal secret: use a Secret from external_secrets instead", k.Value)})
					}
				}
				walk(v, k.Value)
			}
		case yaml.ScalarNode:
			for _, m := range placeholder.FindAllStringSubmatch(n.Value, -1) {
				switch m[1] {
				case "ssm":
					name := "/" + strings.TrimLeft(m[2], "/")
					if !strings.HasPrefix(name, "/acme/"+env+"/") {
						out = append(out, Finding{File: display, Line: n.Line, Message: fmt.Sprintf("${ssm:%s} names another environment than %s", m[2], env)})
					}
					refs = append(refs, tfcheck.Ref{File: display, Line: n.Line, Raw: m[0], Name: name})
				case "image":
				default:
					out = append(out, Finding{File: display, Line: n.Line, Message: fmt.Sprintf("unknown placeholder %s (use ${ssm:///acme/<env>/...} or ${image:<name>})", m[0])})
				}
			}
		default:
			for _, c := range n.Content {
				walk(c, key)
			}
		}
	}
	walk(&doc, "")
	for _, f := range tfcheck.MissingRefs(refs, published, tfcheck.Publisher(env)) {
		out = append(out, Finding{File: f.File, Line: f.Line, Message: f.Message})
	}
	return out, nil
}

// literalSecretKey tells keys whose value is a secret itself.
func literalSecretKey(k string) bool {
	switch k {
	case "fernetKey", "webserverSecretKey", "apiSecretKey", "jwtSecret", "pass", "password", "brokerUrl":
		return true
	}
	return false
}

// definedSecrets reads the secret names the environment root defines (the
// same in every environment): the keys of the secrets input of its calls of
// modules/secrets.
func definedSecrets(envDir string) (map[string]bool, error) {
	out := map[string]bool{}
	files, err := filepath.Glob(filepath.Join(envDir, "*.tf"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		file, diags := hclsyntax.ParseConfig(src, f, hcl.InitialPos)
		if diags.HasErrors() {
			return nil, fmt.Errorf("parse %s: %s", f, diags.Error())
		}
		body, _ := file.Body.(*hclsyntax.Body)
		for _, b := range body.Blocks {
			if b.Type != "module" {
				continue
			}
			srcAttr, ok := b.Body.Attributes["source"]
			if !ok {
				continue
			}
			v, d := srcAttr.Expr.Value(nil)
			if d.HasErrors() || !strings.HasSuffix(v.AsString(), "modules/secrets") {
				continue
			}
			if a, ok := b.Body.Attributes["secrets"]; ok {
				if obj, ok := a.Expr.(*hclsyntax.ObjectConsExpr); ok {
					for _, item := range obj.Items {
						if k, d := item.KeyExpr.Value(nil); !d.HasErrors() {
							out[k.AsString()] = true
						}
					}
				}
			}
		}
	}
	return out, nil
}

func lineOf(data []byte, s string) int {
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	return 0
}

func keys(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func dedupe(fs []Finding) []Finding {
	seen := map[string]bool{}
	var out []Finding
	for _, f := range fs {
		if k := f.String(); !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out
}
