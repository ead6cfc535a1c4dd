// Package kube gives tests a real Kubernetes control plane on loopback:
// etcd, kube-apiserver, kube-controller-manager and kube-scheduler of
// Kubernetes v1.37.2, plus kwok, which plays the kubelet of fake nodes so
// that pods are scheduled and become Ready without containers (images are
// never pulled: any image reference works).
//
// The programs are built from the Go module proxy by hack/tools.sh (pins in
// hack/tools.d/kube.txt) into .mono/tools/bin on first use: several
// minutes on 2 cores (kube-apiserver alone about 3.5), said on the test log
// before it starts. Parallel test binaries take a lock per program, so one
// builds and the others wait. Once built, a cluster starts in a few seconds.
// A program that cannot be built fails the test; only -short skips it.
//
// Everything of a cluster lives in one temporary folder (etcd data, keys,
// kubeconfig, one log file per component) that Stop removes after killing
// each component's process group. The components also get SIGKILL when the
// test binary dies, so a killed test leaves no process behind.
//
// Use New for a cluster of one test, or Shared for one cluster per test
// binary; a package using Shared stops it in TestMain:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		kube.StopShared()
//		os.Exit(code)
//	}
package kube

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"embed"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/acme/platform/libs/testenv"
)

//go:embed assets/kwok/*.yaml
var kwokStages embed.FS

// Programs are the programs a cluster runs, as hack/tools.d/kube.txt names
// them.
var Programs = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}

// BuildEstimate is roughly how long building every program takes on 2 idle
// cores with a cold Go build cache (measured: see docs/architecture.md).
const BuildEstimate = 8 * time.Minute

// FakeNodeAnnotation marks the nodes kwok manages; NodeName is the fake
// node every cluster has.
const (
	FakeNodeAnnotation = "kwok.x-k8s.io/node"
	NodeName           = "kwok-node-0"
)

// Cluster is a running control plane.
type Cluster struct {
	// Dir is the cluster's temporary folder; logs are in Dir/logs.
	Dir string
	// Server is the API server's URL, https://127.0.0.1:<port>.
	Server string

	kubeconfig string
	config     *rest.Config
	client     kubernetes.Interface
	procs      []*proc
	once       sync.Once
}

// proc is one running component.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// Kubeconfig returns the path of a kubeconfig file with cluster-admin
// rights (a static token of the group system:masters).
func (c *Cluster) Kubeconfig() string { return c.kubeconfig }

// RESTConfig returns a copy of the admin client configuration.
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.config) }

// Client returns a clientset with admin rights.
func (c *Cluster) Client() kubernetes.Interface { return c.client }

// Start builds the programs if needed and starts a cluster with one fake
// node, returning when the node is Ready and the default namespace has its
// service account. root is the repository root (tools live under
// root/.mono/tools); log receives progress and may be nil. ctx bounds the
// build and the start only.
func Start(ctx context.Context, root string, log func(string)) (*Cluster, error) {
	if log == nil {
		log = func(string) {}
	}
	bins, err := EnsurePrograms(ctx, root, log)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "testenv-kube-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir}
	if err := c.start(ctx, bins, log); err != nil {
		tails := c.LogTails(30)
		c.Stop()
		return nil, fmt.Errorf("%w\n%s", err, tails)
	}
	return c, nil
}

// EnsurePrograms builds the missing Programs with hack/tools.sh (saying
// first what it builds and roughly how long that takes) and returns their
// paths by name.
func EnsurePrograms(ctx context.Context, root string, log func(string)) (map[string]string, error) {
	binDir := filepath.Join(root, ".mono", "tools", "bin")
	bins := map[string]string{}
	var missing []string
	for _, name := range Programs {
		bins[name] = filepath.Join(binDir, name)
		if _, err := os.Stat(bins[name]); err != nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		log(fmt.Sprintf("kube: building %s into %s from the Go module proxy with hack/tools.sh (first run only; about %s for all on 2 idle cores, more under load)...",
			strings.Join(missing, ", "), binDir, BuildEstimate))
	}
	// Always run: it is quick when every program is at its pin, and it
	// rebuilds one whose pin changed.
	start := time.Now()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "hack", "tools.sh"), Programs...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("kube: building the control plane with hack/tools.sh %s failed: %w\n%s",
			strings.Join(Programs, " "), err, tail(out, 4000))
	}
	if len(missing) > 0 {
		log(fmt.Sprintf("kube: built in %s", time.Since(start).Round(time.Second)))
	}
	return bins, nil
}

func (c *Cluster) start(ctx context.Context, bins map[string]string, log func(string)) error {
	began := time.Now()
	for _, d := range []string{"logs", "pki", "etcd"} {
		if err := os.MkdirAll(filepath.Join(c.Dir, d), 0o700); err != nil {
			return err
		}
	}
	ports, err := freePorts(4)
	if err != nil {
		return err
	}
	etcdURL := "http://127.0.0.1:" + ports[0]
	peerURL := "http://127.0.0.1:" + ports[1]
	c.Server = "https://127.0.0.1:" + ports[2]
	token, err := randomToken()
	if err != nil {
		return err
	}
	saKey, saPub, err := c.writeServiceAccountKeys()
	if err != nil {
		return err
	}
	tokens := filepath.Join(c.Dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(token+",admin,admin,system:masters\n"), 0o600); err != nil {
		return err
	}

	if err := c.run(bins["etcd"], "etcd",
		"--name=default",
		"--data-dir="+filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL,
		"--unsafe-no-fsync", "--log-level=warn"); err != nil {
		return err
	}
	if err := c.waitHTTP(ctx, "etcd", etcdURL+"/health", nil); err != nil {
		return err
	}

	pki := filepath.Join(c.Dir, "pki")
	if err := c.run(bins["kube-apiserver"], "kube-apiserver",
		"--etcd-servers="+etcdURL,
		// A loopback advertise address is refused; nothing reaches this
		// one (TEST-NET-1), and no endpoint reconciler publishes it.
		"--bind-address=127.0.0.1", "--advertise-address=192.0.2.1", "--endpoint-reconciler-type=none",
		"--secure-port="+ports[2],
		"--cert-dir="+pki,
		"--service-account-key-file="+saPub,
		"--service-account-signing-key-file="+saKey,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--token-auth-file="+tokens,
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=10.96.0.0/16"); err != nil {
		return err
	}
	insecure := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the serving cert is read once ready
	}}
	if err := c.waitHTTP(ctx, "kube-apiserver", c.Server+"/readyz", insecure, "Authorization", "Bearer "+token); err != nil {
		return err
	}
	caFile := filepath.Join(pki, "apiserver.crt")
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return fmt.Errorf("kube-apiserver serving certificate: %w", err)
	}
	c.config = &rest.Config{Host: c.Server, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: ca}, QPS: 100, Burst: 200}
	if c.client, err = kubernetes.NewForConfig(c.config); err != nil {
		return err
	}
	c.kubeconfig = filepath.Join(c.Dir, "kubeconfig")
	if err := writeKubeconfig(c.kubeconfig, c.Server, ca, token); err != nil {
		return err
	}
	log(fmt.Sprintf("kube: kube-apiserver ready at %s after %s", c.Server, time.Since(began).Round(time.Millisecond)))

	stages, err := c.writeKwokStages()
	if err != nil {
		return err
	}
	for _, p := range []struct {
		name string
		args []string
	}{
		{"kube-controller-manager", []string{
			"--kubeconfig=" + c.kubeconfig, "--leader-elect=false", "--secure-port=0",
			"--service-account-private-key-file=" + saKey, "--root-ca-file=" + caFile,
			"--use-service-account-credentials=false",
			// The fake nodes' heartbeats come from kwok; on a loaded
			// machine they can be late, and after the default 50 s the
			// node lifecycle controller would mark the node NotReady,
			// taint it and flip every pod to not Ready in the middle of a
			// test (seen at load 30+). Tests that want an unhealthy node
			// taint it themselves.
			"--node-monitor-grace-period=10m"}},
		{"kube-scheduler", []string{"--kubeconfig=" + c.kubeconfig, "--leader-elect=false", "--secure-port=0"}},
		{"kwok", []string{
			"--kubeconfig=" + c.kubeconfig, "--config=" + stages,
			"--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=" + FakeNodeAnnotation + "=fake",
			"--cidr=10.244.0.0/16", "--node-ip=10.0.0.1", "--server-address=127.0.0.1:" + ports[3]}},
	} {
		if err := c.run(bins[p.name], p.name, p.args...); err != nil {
			return err
		}
	}
	if err := c.createNode(ctx, NodeName); err != nil {
		return err
	}
	if err := c.waitReady(ctx); err != nil {
		return err
	}
	log(fmt.Sprintf("kube: control plane ready with node %s after %s (logs in %s)", NodeName, time.Since(began).Round(time.Millisecond), filepath.Join(c.Dir, "logs")))
	return nil
}

// run starts one component in a process group of its own, its output in
// Dir/logs/<name>.log. The component gets SIGKILL if the test binary dies.
func (c *Cluster) run(bin, name string, args ...string) error {
	logPath := filepath.Join(c.Dir, "logs", name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	// Not CommandContext: the component must outlive the start's context.
	cmd := exec.Command(bin, args...)
	cmd.Dir = c.Dir
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), "HOME="+c.Dir) // kwok reads ~/.kwok; nothing of the user's
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	c.procs = append(c.procs, p)
	return nil
}

// waitHTTP polls url until it answers 200, at most a minute, failing early
// when the component exits. header is pairs of name and value.
func (c *Cluster) waitHTTP(ctx context.Context, name, url string, client *http.Client, header ...string) error {
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Second}
	}
	p := c.procs[len(c.procs)-1]
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready (%v)", name, p.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s: %w", name, url, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// createNode registers a fake node that kwok manages: Ready, with room for
// many pods, no taints.
func (c *Cluster) createNode(ctx context.Context, name string) error {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{FakeNodeAnnotation: "fake"},
			Labels: map[string]string{
				"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
				"type": "kwok", "topology.kubernetes.io/zone": "zone-a",
			},
		},
		Status: corev1.NodeStatus{
			Allocatable: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("32"), corev1.ResourceMemory: resource.MustParse("256Gi"), corev1.ResourcePods: resource.MustParse("250"),
			},
			Capacity: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("32"), corev1.ResourceMemory: resource.MustParse("256Gi"), corev1.ResourcePods: resource.MustParse("250"),
			},
		},
	}
	if _, err := c.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create fake node %s: %w", name, err)
	}
	return nil
}

// waitReady waits (at most a minute) for the fake node to be Ready and for
// the default service account, which pods of the default namespace need.
func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var last error
	for {
		last = c.ready(ctx)
		if last == nil {
			return nil
		}
		for _, p := range c.procs {
			select {
			case <-p.done:
				return fmt.Errorf("%s exited (%v)", p.name, p.cmd.ProcessState)
			default:
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("control plane not ready: %w (last: %v)", ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (c *Cluster) ready(ctx context.Context) error {
	node, err := c.client.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	ready := false
	for _, cond := range node.Status.Conditions {
		if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
			ready = true
		}
	}
	if !ready {
		return fmt.Errorf("node %s not Ready", NodeName)
	}
	if _, err := c.client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{}); err != nil {
		if apierrors.IsNotFound(err) {
			return errors.New("no default service account yet")
		}
		return err
	}
	return nil
}

// Stop kills every component's process group (SIGTERM, then SIGKILL after
// 5 s), waits for them and removes Dir. It may be called more than once.
func (c *Cluster) Stop() {
	c.once.Do(func() {
		for i := len(c.procs) - 1; i >= 0; i-- {
			p := c.procs[i]
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(5 * time.Second):
				_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
				<-p.done
			}
		}
		_ = os.RemoveAll(c.Dir)
	})
}

// Pids returns the process ids of the components, in start order.
func (c *Cluster) Pids() []int {
	pids := make([]int, len(c.procs))
	for i, p := range c.procs {
		pids[i] = p.cmd.Process.Pid
	}
	return pids
}

// LogTails returns the last n lines of each component's log, for a failing
// test to show.
func (c *Cluster) LogTails(n int) string {
	var b strings.Builder
	for _, p := range c.procs {
		data, err := os.ReadFile(p.log)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > n {
			lines = lines[len(lines)-n:]
		}
		fmt.Fprintf(&b, "--- last %d lines of %s:\n%s\n", len(lines), p.name, strings.Join(lines, "\n"))
	}
	return b.String()
}

// writeServiceAccountKeys writes the key pair that signs and checks service
// account tokens.
func (c *Cluster) writeServiceAccountKeys() (key, pub string, err error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return "", "", err
	}
	key = filepath.Join(c.Dir, "pki", "sa.key")
	pub = filepath.Join(c.Dir, "pki", "sa.pub")
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o600); err != nil {
		return "", "", err
	}
	return key, pub, nil
}

// writeKwokStages writes the embedded Stage configs as one multi-document
// file for kwok's --config.
func (c *Cluster) writeKwokStages() (string, error) {
	var b bytes.Buffer
	err := fs.WalkDir(kwokStages, "assets/kwok", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := kwokStages.ReadFile(path)
		if err != nil {
			return err
		}
		b.WriteString("---\n")
		b.Write(data)
		return nil
	})
	if err != nil {
		return "", err
	}
	path := filepath.Join(c.Dir, "kwok.yaml")
	return path, os.WriteFile(path, b.Bytes(), 0o600)
}

func writeKubeconfig(path, server string, ca []byte, token string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["testenv"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["testenv"] = &clientcmdapi.Context{Cluster: "testenv", AuthInfo: "admin", Namespace: "default"}
	cfg.CurrentContext = "testenv"
	return clientcmd.WriteToFile(*cfg, path)
}

// freePorts returns n distinct free ports of 127.0.0.1.
func freePorts(n int) ([]string, error) {
	ports := make([]string, 0, n)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	return ports, nil
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(bytes.TrimSpace(b))
}

// New starts a cluster for t and stops it when t ends, showing the tail of
// each component's log first if t failed. It skips t under -short and fails
// it when the programs cannot be built or the cluster does not start.
func New(t testing.TB) *Cluster {
	t.Helper()
	c := start(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(c.LogTails(30))
		}
		c.Stop()
	})
	return c
}

// shared is the one cluster of a test binary. A package variable is the
// point here: tests of one binary share the cluster; StopShared (from
// TestMain) stops it.
var shared struct {
	mu      sync.Mutex
	cluster *Cluster
	err     error
	started bool
}

// Shared returns the cluster shared by all tests of the test binary,
// starting it on first use; tests sharing it use namespaces of their own.
// It skips t under -short. If t fails, the tails of the logs are shown.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("kube: integration test skipped under -short")
	}
	shared.mu.Lock()
	if !shared.started {
		shared.started = true
		shared.cluster, shared.err = startCluster(t)
	}
	c, err := shared.cluster, shared.err
	shared.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(c.LogTails(30))
		}
	})
	return c
}

// StopShared stops the shared cluster, if one was started.
func StopShared() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.cluster != nil {
		shared.cluster.Stop()
	}
}

func start(t testing.TB) *Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("kube: integration test skipped under -short")
	}
	c, err := startCluster(t)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func startCluster(t testing.TB) (*Cluster, error) {
	root, err := testenv.RepoRoot()
	if err != nil {
		return nil, err
	}
	// Bounded: a cold build under load takes minutes, a start seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	return Start(ctx, root, func(msg string) { t.Log(msg) })
}
