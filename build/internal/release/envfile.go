package release

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/acme/platform/build/internal/strictyaml"
)

// EnvsDir holds one deploy settings file per environment, <env>.yaml,
// relative to the repository root.
const EnvsDir = "deploy/envs"

// EnvFile is deploy/envs/<env>.yaml: where an environment runs and how big
// each program is there. Every key is described in docs/deploy.md.
type EnvFile struct {
	// Namespace is the Kubernetes namespace of every program.
	Namespace string `yaml:"namespace"`
	// Context is the kubeconfig context; empty means the current one.
	Context string `yaml:"context"`
	// Registry is where images are: <registry>/<component>.
	Registry string `yaml:"registry"`
	// Ingress is how public programs are reached.
	Ingress EnvIngress `yaml:"ingress"`
	// SecretStore is the External Secrets store that reads Secrets Manager.
	SecretStore EnvSecretStore `yaml:"secretStore"`
	// Network is what the NetworkPolicies allow besides the graph edges.
	Network EnvNetwork `yaml:"network"`
	// ServiceMonitors renders a ServiceMonitor for every program with
	// deploy.settings.metrics (the Prometheus operator is installed).
	ServiceMonitors bool `yaml:"serviceMonitors"`
	// TopologySpread is whenUnsatisfiable of the zone and node spread:
	// ScheduleAnyway or DoNotSchedule.
	TopologySpread string `yaml:"topologySpread"`
	// Defaults size every program; Components override them per program.
	Defaults Sizing `yaml:"defaults"`
	// Components are per-program settings, by component name.
	Components map[string]Sizing `yaml:"components"`
}

// EnvIngress says how Ingress objects are made.
type EnvIngress struct {
	// ClassName is the IngressClass (nginx).
	ClassName string `yaml:"className"`
	// ClusterIssuer is the cert-manager ClusterIssuer of the TLS certificates.
	ClusterIssuer string `yaml:"clusterIssuer"`
	// ControllerNamespace is where the ingress controller runs: the
	// NetworkPolicy lets it in.
	ControllerNamespace string `yaml:"controllerNamespace"`
}

// EnvSecretStore names the External Secrets store.
type EnvSecretStore struct {
	Kind string `yaml:"kind"` // ClusterSecretStore or SecretStore
	Name string `yaml:"name"`
	// RefreshInterval is how often secrets are copied again (1h).
	RefreshInterval string `yaml:"refreshInterval"`
}

// EnvNetwork is what NetworkPolicies allow besides the graph's edges.
type EnvNetwork struct {
	// DNSNamespace runs the cluster DNS (kube-system).
	DNSNamespace string `yaml:"dnsNamespace"`
	// MonitoringNamespace runs Prometheus, let in to /metrics.
	MonitoringNamespace string `yaml:"monitoringNamespace"`
	// Database is where the database is, for programs that use libs/db.
	Database Endpoint `yaml:"database"`
	// External are addresses every program may reach (AWS APIs over HTTPS,
	// the trace collector).
	External []Endpoint `yaml:"external"`
}

// Endpoint is a CIDR and a TCP port.
type Endpoint struct {
	CIDR string `yaml:"cidr"`
	Port int    `yaml:"port"`
}

// Sizing is how one program runs in an environment; in Defaults every key
// but Host applies to all programs.
type Sizing struct {
	// Replicas of the Deployment without autoscaling.
	Replicas *int `yaml:"replicas"`
	// Resources of the container.
	Resources *Resources `yaml:"resources"`
	// Autoscaling bounds; nil means a fixed replica count.
	Autoscaling *Autoscaling `yaml:"autoscaling"`
	// Host is the public host of a program with deploy.settings.ingress.
	Host string `yaml:"host"`
}

// Resources are container requests and limits.
type Resources struct {
	Requests Quantities `yaml:"requests" json:"requests"`
	Limits   Quantities `yaml:"limits" json:"limits"`
}

// Quantities are Kubernetes CPU and memory quantities.
type Quantities struct {
	CPU    string `yaml:"cpu" json:"cpu,omitempty"`
	Memory string `yaml:"memory" json:"memory,omitempty"`
}

// Autoscaling are the HPA bounds.
type Autoscaling struct {
	MinReplicas int `yaml:"minReplicas"`
	MaxReplicas int `yaml:"maxReplicas"`
	// TargetCPU is the average CPU utilization, in percent of requests.
	TargetCPU int `yaml:"targetCPU"`
}

// LoadEnvFile reads deploy/envs/<env>.yaml under root strictly: an unknown
// key or a wrong type is an error naming the file, the line and the key.
func LoadEnvFile(root, env string) (*EnvFile, error) {
	rel := EnvsDir + "/" + env + ".yaml"
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, &strictyaml.Error{File: rel, Msg: fmt.Sprintf("environment %s has no deploy settings: create %s (docs/deploy.md)", env, rel)}
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rel, err)
	}
	var f EnvFile
	if err := strictyaml.Decode(rel, data, &f); err != nil {
		return nil, withKeys(data, err)
	}
	if err := f.check(rel, data); err != nil {
		return nil, err
	}
	return &f, nil
}

// check reports the keys a deploy settings file must set.
func (f *EnvFile) check(rel string, data []byte) error {
	var errs strictyaml.Errors
	need := func(ok bool, msg string, keys ...string) {
		if !ok {
			errs = append(errs, &strictyaml.Error{File: rel, Line: strictyaml.KeyLine(data, keys...), Msg: strings.Join(keys, ".") + ": " + msg})
		}
	}
	need(f.Namespace != "", "required: the namespace of the programs", "namespace")
	need(f.Registry != "", "required: the image registry, such as 123456789012.dkr.ecr.eu-central-1.amazonaws.com/acme", "registry")
	need(f.Defaults.Host == "", "a host belongs to one component (components.<name>.host)", "defaults", "host")
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// withKeys adds the dotted key to each strictyaml type error that names a
// line ("cannot unmarshal !!str `three` into int" says neither which key
// nor where to look otherwise).
func withKeys(data []byte, err error) error {
	var es strictyaml.Errors
	if !errors.As(err, &es) {
		return err
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return err
	}
	for _, e := range es {
		if e.Line == 0 || strings.HasPrefix(e.Msg, "unknown key") {
			continue
		}
		if key := keyAt(doc.Content[0], e.Line, ""); key != "" && !strings.Contains(e.Msg, key) {
			e.Msg = key + ": " + e.Msg
		}
	}
	return es
}

// keyAt returns the dotted path of the mapping value or sequence item at
// line under n.
func keyAt(n *yaml.Node, line int, path string) string {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if k.Line == line && (v.Kind == yaml.ScalarNode || v.Line == line) {
				return p
			}
			if found := keyAt(v, line, p); found != "" {
				return found
			}
		}
	case yaml.SequenceNode:
		for i, v := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			if v.Line == line && v.Kind == yaml.ScalarNode {
				return p
			}
			if found := keyAt(v, line, p); found != "" {
				return found
			}
		}
	}
	return ""
}
