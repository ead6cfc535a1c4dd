package affected

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/acme/platform/build/internal/gitx"
	"github.com/acme/platform/build/internal/graph"
)

// sharedSection is the configuration section every component reads.
const sharedSection = "shared"

// configRule returns the deployables that a change of an environment's
// configuration file reaches. Files hold a shared section and one section
// per component: a change in a component's section reaches that component,
// a change in shared (or in a section no component owns, or a file that no
// longer parses) reaches every deployable of the environment.
func configRule(ctx context.Context, repo *gitx.Repo, opts Options, g *graph.Graph, file, env string) (map[string]hit, error) {
	deployed := func(c *graph.Component) bool {
		if env == "base" {
			return c.Kind.Deployable()
		}
		return c.DeployedTo(env)
	}
	all := func(detail string) map[string]hit {
		out := map[string]hit{}
		for _, c := range g.Components() {
			if deployed(c) {
				out[c.Name] = hit{file: file, rule: RuleConfig, detail: detail}
			}
		}
		return out
	}
	where := "environment " + env
	if env == "base" {
		where = "every environment"
	}
	base, errB := readSections(ctx, repo, opts.Base, file)
	head, errH := readSections(ctx, repo, opts.Head, file)
	if errB != nil || errH != nil {
		return all(where + ", file not comparable by section"), nil
	}
	var changed []string
	for name := range union(base, head) {
		if base[name] != head[name] {
			changed = append(changed, name)
		}
	}
	sort.Strings(changed)
	out := map[string]hit{}
	for _, section := range changed {
		c := g.Get(section)
		if section == sharedSection || c == nil {
			return all(fmt.Sprintf("%s, section %s", where, section)), nil
		}
		if deployed(c) {
			out[c.Name] = hit{file: file, rule: RuleConfig, detail: fmt.Sprintf("%s, section %s", where, section)}
		}
	}
	return out, nil
}

// readSections returns each top-level section of a YAML file re-encoded in
// a canonical form, so that comments and layout do not count as changes.
func readSections(ctx context.Context, repo *gitx.Repo, rev, file string) (map[string]string, error) {
	data, err := repo.Read(ctx, rev, file)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(doc))
	for k, v := range doc {
		b, err := yaml.Marshal(v)
		if err != nil {
			return nil, err
		}
		out[k] = strings.TrimSpace(string(b))
	}
	return out, nil
}

func union(a, b map[string]string) map[string]bool {
	out := make(map[string]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
