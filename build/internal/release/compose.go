package release

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/acme/platform/build/internal/dbmigrate"
	"github.com/acme/platform/build/internal/dbroles"
	"github.com/acme/platform/build/internal/graph"
	"github.com/acme/platform/build/internal/strictyaml"
	"github.com/acme/platform/libs/config"
)

// The component.yaml deploy.settings keys the chart reads. Other keys
// belong to other commands (migrations_table, database_privileges).
const (
	settingPort           = "port"            // the HTTP port: container, Service, probes
	settingLiveness       = "liveness"        // liveness probe path
	settingReadiness      = "readiness"       // readiness probe path
	settingMetrics        = "metrics"         // Prometheus path: a ServiceMonitor
	settingMigrations     = "migrations"      // a migration Job before each rollout
	settingServiceAccount = "service_account" // the ServiceAccount (default: the component name)
	settingIngress        = "ingress"         // true: public, at deploy/envs components.<name>.host
)

// composer composes the values of the programs of one environment.
type composer struct {
	root, env, envRel string
	envData           []byte
	ef                *EnvFile
	g                 *graph.Graph
	cfg               *envConfig
	all               []string // every program of env
	revision          string
}

// values is a tree of values under construction with the origin of each
// key: "file\x00key in that file".
type values struct {
	m       map[string]any
	origins map[string]string
}

func (v *values) set(key string, val any, file, from string) {
	parts := strings.Split(key, ".")
	m := v.m
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = val
	if file != "" {
		v.origins[key] = file + "\x00" + from
	}
}

// compose returns the values of comp (chart defaults fill what they leave
// out) and the origin of each.
func (c *composer) compose(comp *graph.Component, img Image) (map[string]any, map[string]string, error) {
	v := &values{m: map[string]any{}, origins: map[string]string{}}
	manifest := comp.Manifest
	if manifest == "" {
		manifest = comp.Dir + " (no component.yaml)"
	}
	settings := comp.Deploy.Settings
	str := func(key string) (string, error) {
		raw, ok := settings[key]
		if !ok {
			return "", nil
		}
		s, ok := raw.(string)
		if !ok || s == "" {
			return "", c.settingErr(comp, key, fmt.Sprintf("want a non-empty string, got %v", raw))
		}
		return s, nil
	}
	setting := func(key string) string { return "deploy.settings." + key }

	v.set("component", comp.Name, manifest, "name")
	v.set("kind", string(comp.Kind), manifest, "kind")
	v.set("env", c.env, "", "")
	v.set("revision", c.revision, "", "")
	const imageFrom = "--tag, or the image records of mono image build"
	v.set("image.repository", img.Repository, c.envRel, "registry")
	v.set("image.tag", img.Tag, imageFrom, "image tag")
	v.set("image.digest", img.Digest, imageFrom, "image digest")

	sa := comp.Name
	if s, err := str(settingServiceAccount); err != nil {
		return nil, nil, err
	} else if s != "" {
		sa = s
	}
	v.set("serviceAccount.name", sa, manifest, setting(settingServiceAccount))

	server := comp.Kind != graph.GoJob
	v.set("deployment.enabled", server, manifest, "kind")
	if server {
		port, ok := settings[settingPort].(int)
		if !ok {
			return nil, nil, c.settingErr(comp, settingPort, fmt.Sprintf("required for a %s: the port it listens on, as a number", comp.Kind))
		}
		v.set("port", port, manifest, setting(settingPort))
		if err := c.checkListen(comp, port); err != nil {
			return nil, nil, err
		}
		for _, probe := range []string{settingLiveness, settingReadiness} {
			p, err := str(probe)
			if err != nil {
				return nil, nil, err
			}
			if p == "" {
				return nil, nil, c.settingErr(comp, probe, fmt.Sprintf("required for a %s: the path of its %s probe, such as /healthz", comp.Kind, probe))
			}
			v.set("probes."+probe+".path", p, manifest, setting(probe))
		}
		metrics, err := str(settingMetrics)
		if err != nil {
			return nil, nil, err
		}
		v.set("metrics.enabled", metrics != "" && c.ef.ServiceMonitors, c.envRel, "serviceMonitors")
		if metrics != "" {
			v.set("metrics.path", metrics, manifest, setting(settingMetrics))
		}
	}
	if err := c.sizing(v, comp.Name, server); err != nil {
		return nil, nil, err
	}
	if w := c.ef.TopologySpread; w != "" {
		v.set("deployment.topologySpread.whenUnsatisfiable", w, c.envRel, "topologySpread")
	}

	// Migrations: a service runs `<program> migrate` as a pre-upgrade Job;
	// a job applies its own at start (sales-rollup --migrate, default on),
	// so it gets none.
	if _, ok := settings[settingMigrations]; ok && comp.Kind == graph.GoService {
		v.set("migrations.enabled", true, manifest, setting(settingMigrations))
	}

	c.databaseUser(v, comp, manifest)
	if err := c.ingress(v, comp, manifest); err != nil {
		return nil, nil, err
	}
	if err := c.configuration(v, comp); err != nil {
		return nil, nil, err
	}
	c.network(v, comp)
	return v.m, v.origins, nil
}

// checkListen compares the port of deploy.settings with the address the
// program listens on in the environment (orders-api.http.listen,
// sales-dash.listen): the probes and the Service use the former.
func (c *composer) checkListen(comp *graph.Component, port int) error {
	sec := c.cfg.sections[comp.Name]
	if sec == nil {
		return nil
	}
	for _, key := range []string{comp.Name + ".http.listen", comp.Name + ".listen"} {
		e, ok := sec.Entry(key)
		if !ok {
			continue
		}
		_, p, err := net.SplitHostPort(e.Value)
		if err != nil || p != strconv.Itoa(port) {
			return &strictyaml.Error{File: comp.Manifest, Msg: fmt.Sprintf("deploy.settings.port: %d, but %s is %q in environment %s (%s): the probes and the Service would miss the program", port, key, e.Value, c.env, e.Origin)}
		}
		host, _, _ := net.SplitHostPort(e.Value)
		if host != "" && host != "0.0.0.0" && host != "::" {
			return &strictyaml.Error{File: comp.Manifest, Msg: fmt.Sprintf("%s is %q in environment %s (%s): in a pod the program must listen on every address (\":%d\")", key, e.Value, c.env, e.Origin, port)}
		}
	}
	return nil
}

// settingErr is an error at a deploy.settings key of comp's component.yaml.
func (c *composer) settingErr(comp *graph.Component, key, msg string) error {
	return &strictyaml.Error{File: comp.Manifest, Msg: fmt.Sprintf("deploy.settings.%s: %s (component %s)", key, msg, comp.Name)}
}

// sizing sets replicas, resources and autoscaling from the defaults and the
// component's entry of deploy/envs/<env>.yaml.
func (c *composer) sizing(v *values, name string, server bool) error {
	for _, layer := range []struct {
		s   Sizing
		key string
	}{{c.ef.Defaults, "defaults"}, {c.ef.Components[name], "components." + name}} {
		s := layer.s
		if s.Replicas != nil {
			v.set("deployment.replicas", *s.Replicas, c.envRel, layer.key+".replicas")
		}
		if r := s.Resources; r != nil {
			limits := map[string]any{}
			if r.Limits.CPU != "" {
				limits["cpu"] = r.Limits.CPU
			}
			if r.Limits.Memory != "" {
				limits["memory"] = r.Limits.Memory
			}
			v.set("resources", map[string]any{"requests": map[string]any{"cpu": r.Requests.CPU, "memory": r.Requests.Memory}, "limits": limits}, c.envRel, layer.key+".resources")
		}
		if a := s.Autoscaling; a != nil {
			from := layer.key + ".autoscaling"
			if a.MinReplicas > a.MaxReplicas {
				return &strictyaml.Error{File: c.envRel, Line: strictyaml.KeyLine(c.envData, strings.Split(from, ".")...), Msg: fmt.Sprintf("%s: minReplicas %d is above maxReplicas %d", from, a.MinReplicas, a.MaxReplicas)}
			}
			v.set("autoscaling.enabled", server, c.envRel, from)
			v.set("autoscaling.minReplicas", a.MinReplicas, c.envRel, from+".minReplicas")
			v.set("autoscaling.maxReplicas", a.MaxReplicas, c.envRel, from+".maxReplicas")
			if a.TargetCPU != 0 {
				v.set("autoscaling.targetCPUUtilizationPercentage", a.TargetCPU, c.envRel, from+".targetCPU")
			}
		}
	}
	return nil
}

// databaseUser sets the PostgreSQL roles a program with migrations connects
// as, the ones mono db roles makes (docs/db.md): its pods as its runtime
// role, its migration Job as its owner role. The chart sets them in the
// variable libs/config reads over shared.database.user, so one configuration
// file serves every program. A program without migrations has no role and
// keeps the configured user; so does every program on SQLite.
func (c *composer) databaseUser(v *values, comp *graph.Component, manifest string) {
	v.set("database.userVariable", config.VarName("shared", "database", "user"), "", "")
	if driver, _ := c.cfg.shared.Entry("shared.database.driver"); driver.Value != "postgres" || !dbmigrate.Has(comp) {
		return
	}
	from := "deploy.settings." + dbmigrate.Setting + " (mono db roles)"
	v.set("database.user", dbroles.RuntimeRole(comp.Name), manifest, from)
	v.set("database.migrationUser", dbroles.OwnerRole(comp.Name), manifest, from)
}

// ingress makes a program with deploy.settings.ingress public at its host.
func (c *composer) ingress(v *values, comp *graph.Component, manifest string) error {
	public, _ := comp.Deploy.Settings[settingIngress].(bool)
	host := c.ef.Components[comp.Name].Host
	key := "components." + comp.Name + ".host"
	switch {
	case public && host == "":
		return &strictyaml.Error{File: c.envRel, Line: strictyaml.KeyLine(c.envData, "components", comp.Name),
			Msg: fmt.Sprintf("%s: required: %s is public (deploy.settings.ingress in %s)", key, comp.Name, manifest)}
	case !public && host != "":
		return &strictyaml.Error{File: c.envRel, Line: strictyaml.KeyLine(c.envData, "components", comp.Name, "host"),
			Msg: fmt.Sprintf("%s: %s is not public: set deploy.settings.ingress: true in %s, or remove the host", key, comp.Name, manifest)}
	case !public:
		return nil
	}
	v.set("ingress.enabled", true, manifest, "deploy.settings."+settingIngress)
	v.set("ingress.host", host, c.envRel, key)
	in := c.ef.Ingress
	if in.ClassName != "" {
		v.set("ingress.className", in.ClassName, c.envRel, "ingress.className")
	}
	v.set("ingress.clusterIssuer", in.ClusterIssuer, c.envRel, "ingress.clusterIssuer")
	return nil
}

// configuration decides how the program's configuration reaches its pod:
// the files (Go programs) or variables (the Dash app), and the secrets as
// variables from the ExternalSecret.
func (c *composer) configuration(v *values, comp *graph.Component) error {
	envFile := "config/" + c.env + ".yaml"
	own := c.cfg.sections[comp.Name]
	var secs []*config.Section
	if comp.Kind == graph.PythonApp {
		// The Dash app reads only SALES_DASH__* variables (dash/sales/sales_dash/config.py).
		if own == nil {
			return fmt.Errorf("%s: a %s reads its settings from variables of its configuration section, and config/ has no section %q", comp.Name, comp.Kind, comp.Name)
		}
		env := map[string]any{}
		for _, e := range own.Entries {
			if e.Secret {
				continue
			}
			if ref, ok := own.Ref(e.Key); ok {
				return &strictyaml.Error{File: envFile, Msg: fmt.Sprintf("%s: %s reads variables only and cannot resolve %s; write the value", e.Key, comp.Name, ref.Kind)}
			}
			env[config.VarName(e.Path...)] = e.Value
		}
		v.set("variables", env, envFile, comp.Name)
		secs = []*config.Section{own}
	} else {
		files := map[string]any{}
		for name, data := range c.cfg.files {
			files[name] = data
		}
		v.set("config.files", files, envFile, "(the files)")
		secs = []*config.Section{c.cfg.shared}
		if own != nil {
			secs = append(secs, own)
		}
	}
	var items []any
	for _, sec := range secs {
		for _, e := range sec.Entries {
			ref, ok := sec.Ref(e.Key)
			if !ok || ref.Kind != config.RefSecret {
				continue
			}
			if c.cfg.provider != "aws" {
				return &strictyaml.Error{File: envFile, Msg: fmt.Sprintf("shared.secrets.provider: %q cannot be deployed: %s reads %s, which External Secrets copies from Secrets Manager (provider aws)", c.cfg.provider, e.Key, ref.Raw)}
			}
			items = append(items, map[string]any{"env": config.VarName(e.Path...), "remoteKey": c.cfg.prefix + ref.Name, "property": ref.Key})
		}
	}
	sort.Slice(items, func(i, j int) bool {
		return items[i].(map[string]any)["env"].(string) < items[j].(map[string]any)["env"].(string)
	})
	if items != nil {
		v.set("secrets.items", items, envFile, "secret:// references")
	}
	if st := c.ef.SecretStore; st.Kind != "" || st.Name != "" {
		v.set("secrets.store.kind", st.Kind, c.envRel, "secretStore.kind")
		v.set("secrets.store.name", st.Name, c.envRel, "secretStore.name")
	}
	if r := c.ef.SecretStore.RefreshInterval; r != "" {
		v.set("secrets.refreshInterval", r, c.envRel, "secretStore.refreshInterval")
	}
	return nil
}

// calls returns the programs comp calls over the network: the edges of the
// component graph from comp to a program with a Service that comp's
// configuration section names in a URL (orders-api.pricing_url:
// http://pricing:8081). An edge of code only (sales-rollup reads the orders
// tables through orders-api's ordersdb package) opens nothing.
func (c *composer) calls(comp *graph.Component) []string {
	sec := c.cfg.sections[comp.Name]
	if sec == nil {
		return nil
	}
	var out []string
	for _, d := range comp.DependsFor("deploy") {
		callee := c.g.Get(d)
		if !slices.Contains(c.all, d) || callee.Kind == graph.GoJob {
			continue
		}
		for _, e := range sec.Entries {
			if u, err := url.Parse(e.Value); err == nil && (u.Scheme == "http" || u.Scheme == "https") && strings.Split(u.Hostname(), ".")[0] == d {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// network sets the NetworkPolicy: the calls between programs, the database
// for users of libs/db, and the environment's addresses.
func (c *composer) network(v *values, comp *graph.Component) {
	n := c.ef.Network
	deps := comp.DependsFor("deploy")
	var egress []any
	for _, d := range c.calls(comp) {
		egress = append(egress, map[string]any{"component": d, "port": c.g.Get(d).Deploy.Settings[settingPort]})
	}
	v.set("networkPolicy.egressTo", orEmpty(egress), comp.Manifest, "depends (the component graph) and config URLs")
	var ingress []any
	if comp.Kind != graph.GoJob {
		for _, other := range c.all {
			if slices.Contains(c.calls(c.g.Get(other)), comp.Name) {
				ingress = append(ingress, other)
			}
		}
	}
	v.set("networkPolicy.ingressFrom", orEmpty(ingress), comp.Manifest, "dependents (the component graph) and config URLs")
	usesDB := false
	for _, d := range deps {
		if dc := c.g.Get(d); dc != nil && dc.Dir == dbLibDir {
			usesDB = true
		}
	}
	if usesDB && n.Database.CIDR != "" {
		v.set("networkPolicy.database", map[string]any{"enabled": true, "cidr": n.Database.CIDR, "port": n.Database.Port}, c.envRel, "network.database")
	}
	var ext []any
	for _, e := range n.External {
		ext = append(ext, map[string]any{"cidr": e.CIDR, "port": e.Port})
	}
	if ext != nil {
		v.set("networkPolicy.external", ext, c.envRel, "network.external")
	}
	for key, val := range map[string]string{"dnsNamespace": n.DNSNamespace, "monitoringNamespace": n.MonitoringNamespace} {
		if val != "" {
			v.set("networkPolicy."+key, val, c.envRel, "network."+key)
		}
	}
	if ns := c.ef.Ingress.ControllerNamespace; ns != "" {
		v.set("networkPolicy.ingressControllerNamespace", ns, c.envRel, "ingress.controllerNamespace")
	}
}

func orEmpty(s []any) []any {
	if s == nil {
		return []any{}
	}
	return s
}
