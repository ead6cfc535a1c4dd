// Package helmdeploy installs, upgrades, rolls back and inspects the Helm
// releases of our programs through the Helm SDK (helm.sh/helm/v4): an
// upgrade --install that waits for readiness and rolls back by itself when
// the rollout fails, a graph-ordered parallel run of many releases, the
// live state of a release, and the diff between a release and what would
// be installed. It knows nothing of mono's workspace: build/internal/deploycmd
// turns a plan into Units.
package helmdeploy

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"

	"helm.sh/helm/v4/pkg/action"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// Annotations mono writes on the chart of every release it installs: what
// the release runs and which commit it came from (read back by Status).
const (
	AnnotationComponent   = "mono.acme.dev/component"
	AnnotationGitRevision = "mono.acme.dev/git-revision"
	AnnotationImage       = "mono.acme.dev/image"
	AnnotationDigest      = "mono.acme.dev/image-digest"
)

// LabelComponent and LabelGitRevision are set on the release record (the
// Helm storage Secret) so that `kubectl get secret -l` finds them too.
const (
	LabelComponent   = "mono.acme.dev/component"
	LabelGitRevision = "mono.acme.dev/git-revision"
)

// Target says which cluster and namespace the releases go to.
type Target struct {
	// Kubeconfig lists the kubeconfig files (merged in order, as
	// KUBECONFIG does); it must not be empty.
	Kubeconfig []string
	// Context is the kubeconfig context; "" is the file's current context.
	Context   string
	Namespace string
}

// Client talks to one cluster and namespace. It is safe for concurrent use:
// every release gets its own Helm action configuration over one shared
// REST configuration and discovery cache.
type Client struct {
	target Target
	getter *getter
	log    *slog.Logger
}

// New returns a Client for target. It reads the kubeconfig but does not
// contact the cluster.
func New(target Target, log *slog.Logger) (*Client, error) {
	if len(target.Kubeconfig) == 0 {
		return nil, errors.New("no kubeconfig: pass --kubeconfig or set KUBECONFIG")
	}
	if target.Namespace == "" {
		return nil, errors.New("no namespace")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rules := &clientcmd.ClientConfigLoadingRules{Precedence: target.Kubeconfig}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: target.Context}
	overrides.Context.Namespace = target.Namespace
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	if _, err := loader.ClientConfig(); err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", strings.Join(target.Kubeconfig, string(filepath.ListSeparator)), err)
	}
	return &Client{target: target, getter: &getter{loader: loader}, log: log}, nil
}

// Namespace is the namespace the client deploys to.
func (c *Client) Namespace() string { return c.target.Namespace }

// config returns a fresh Helm action configuration for the namespace.
func (c *Client) config() (*action.Configuration, error) {
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(c.log.Handler()))
	if err := cfg.Init(c.getter, c.target.Namespace, "secret"); err != nil {
		return nil, fmt.Errorf("helm configuration: %w", err)
	}
	return cfg, nil
}

// Clientset returns a typed Kubernetes client for the target.
func (c *Client) Clientset() (kubernetes.Interface, error) {
	rc, err := c.getter.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(rc)
}

// getter is the RESTClientGetter Helm builds its clients from: the
// kubeconfig as loaded (no environment read behind mono's back), a client
// rate high enough for parallel releases, and one in-memory discovery cache
// (no ~/.kube/cache).
type getter struct {
	loader clientcmd.ClientConfig

	mu        sync.Mutex
	rest      *rest.Config
	discovery discovery.CachedDiscoveryInterface
	mapper    meta.RESTMapper
}

func (g *getter) ToRawKubeConfigLoader() clientcmd.ClientConfig { return g.loader }

func (g *getter) ToRESTConfig() (*rest.Config, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.restLocked()
}

func (g *getter) restLocked() (*rest.Config, error) {
	if g.rest == nil {
		rc, err := g.loader.ClientConfig()
		if err != nil {
			return nil, err
		}
		rc.QPS, rc.Burst = 200, 400
		rc.WarningHandler = rest.NoWarnings{}
		g.rest = rc
	}
	return rest.CopyConfig(g.rest), nil
}

func (g *getter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.discoveryLocked()
}

func (g *getter) discoveryLocked() (discovery.CachedDiscoveryInterface, error) {
	if g.discovery == nil {
		rc, err := g.restLocked()
		if err != nil {
			return nil, err
		}
		dc, err := discovery.NewDiscoveryClientForConfig(rc)
		if err != nil {
			return nil, err
		}
		g.discovery = memory.NewMemCacheClient(dc)
	}
	return g.discovery, nil
}

func (g *getter) ToRESTMapper() (meta.RESTMapper, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.mapper == nil {
		dc, err := g.discoveryLocked()
		if err != nil {
			return nil, err
		}
		m := restmapper.NewDeferredDiscoveryRESTMapper(dc)
		g.mapper = restmapper.NewShortcutExpander(m, dc, nil)
	}
	return g.mapper, nil
}
