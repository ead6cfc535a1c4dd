package helmdeploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	"helm.sh/helm/v4/pkg/action"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/kube"
	ri "helm.sh/helm/v4/pkg/release"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	rv1 "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage/driver"
)

// Unit is one release to install or upgrade.
type Unit struct {
	Component string
	// Release is the Helm release name.
	Release string
	// Chart is the chart folder.
	Chart  string
	Values map[string]any
	// Needs are the components deployed (Ready) before this one starts.
	Needs []string
	// GitRevision, Image and Digest are recorded on the release.
	GitRevision string
	Image       string
	Digest      string
}

// Options tune Apply.
type Options struct {
	// Timeout bounds each release: hooks, apply and readiness.
	Timeout time.Duration
	// Parallel caps the releases in flight (<= 0: no cap).
	Parallel int
	// Progress receives one line per step of each release (nil: none).
	Progress io.Writer
}

// Action is what a deploy did to one release.
type Action string

// The actions.
const (
	Installed  Action = "installed"   // first revision, Ready
	Upgraded   Action = "upgraded"    // new revision, Ready
	Unchanged  Action = "unchanged"   // rendered manifests equal the deployed revision: no new revision
	RolledBack Action = "rolled-back" // the new revision failed; the previous one runs again
	Removed    Action = "removed"     // the first install failed and was uninstalled
	Skipped    Action = "skipped"     // a component it needs failed
	Failed     Action = "failed"      // failed, and could not be rolled back
)

// Result is the outcome of one release.
type Result struct {
	Component string `json:"component"`
	Release   string `json:"release"`
	Action    Action `json:"action"`
	// Revision is the release revision running after the deploy (0: none).
	Revision int     `json:"revision"`
	Seconds  float64 `json:"seconds"`
	Error    string  `json:"error,omitempty"`
	// Diagnosis lists the events and pod conditions of a failed rollout.
	Diagnosis string `json:"diagnosis,omitempty"`
}

// OK reports whether the release is deployed as asked.
func (r Result) OK() bool {
	return r.Action == Installed || r.Action == Upgraded || r.Action == Unchanged
}

// ErrFailed is returned by Apply when a release did not deploy.
var ErrFailed = errors.New("deploy failed")

// Apply installs or upgrades every unit, each as soon as the units it
// needs are Ready, and returns one Result per unit in the order given. A
// unit whose rollout fails is rolled back (or removed, if it was its first
// install) and its dependents are skipped; the error then wraps ErrFailed.
func (c *Client) Apply(ctx context.Context, units []Unit, opts Options) ([]Result, error) {
	nodes := make([]Node, len(units))
	byName := make(map[string]Unit, len(units))
	for i, u := range units {
		nodes[i] = Node{Component: u.Component, Needs: u.Needs}
		byName[u.Component] = u
	}
	if _, err := Waves(nodes); err != nil {
		return nil, err
	}
	var mu sync.Mutex
	results := map[string]Result{}
	errs := Schedule(ctx, nodes, opts.Parallel, func(ctx context.Context, name string) error {
		res := c.deploy(ctx, byName[name], opts)
		mu.Lock()
		results[name] = res
		mu.Unlock()
		if !res.OK() {
			return errors.New(res.Error)
		}
		return nil
	})
	out := make([]Result, len(units))
	var failed []string
	for i, u := range units {
		res, ran := results[u.Component]
		if !ran {
			res = Result{Component: u.Component, Release: u.Release, Action: Skipped}
			if err := errs[u.Component]; err != nil {
				res.Error = err.Error()
			}
			c.say(opts.Progress, u.Component, "skipped: %s", res.Error)
		}
		if !res.OK() {
			failed = append(failed, u.Component)
		}
		out[i] = res
	}
	if len(failed) > 0 {
		return out, fmt.Errorf("%w: %s", ErrFailed, strings.Join(failed, ", "))
	}
	return out, nil
}

func (c *Client) say(w io.Writer, component, format string, args ...any) {
	if w == nil {
		return
	}
	fmt.Fprintf(w, "deploy: %s: %s\n", component, fmt.Sprintf(format, args...))
}

// deploy runs one release: install, or upgrade unless nothing changed;
// on failure it diagnoses, then rolls back or removes.
func (c *Client) deploy(ctx context.Context, u Unit, opts Options) Result {
	start := time.Now()
	res := Result{Component: u.Component, Release: u.Release}
	fail := func(err error) Result {
		res.Action, res.Error, res.Seconds = Failed, err.Error(), time.Since(start).Seconds()
		c.say(opts.Progress, u.Component, "failed: %v", err)
		return res
	}
	say := func(format string, args ...any) { c.say(opts.Progress, u.Component, format, args...) }
	ch, err := LoadChart(u)
	if err != nil {
		return fail(err)
	}
	cfg, err := c.config()
	if err != nil {
		return fail(err)
	}
	cfg.KubeClient = progressKube{Interface: cfg.KubeClient, say: say}
	last, err := lastRelease(cfg, u.Release)
	if err != nil {
		return fail(err)
	}
	var rel ri.Releaser
	if last == nil {
		say("started: install into %s", c.target.Namespace)
		in := action.NewInstall(cfg)
		in.ReleaseName, in.Namespace, in.CreateNamespace = u.Release, c.target.Namespace, true
		in.Timeout, in.WaitStrategy, in.WaitForJobs = opts.Timeout, kube.StatusWatcherStrategy, true
		in.ServerSideApply = true
		in.Labels = labels(u)
		rel, err = in.RunWithContext(ctx, ch, u.Values)
	} else {
		if last.Info.Status.IsPending() {
			return fail(fmt.Errorf("release %s is %s (a deploy is running, or one was stopped): wait for it, or run mono rollback", u.Release, last.Info.Status))
		}
		// Not :=: err is the outcome the code after the if reads.
		var proposed *rv1.Release
		if proposed, err = propose(ctx, cfg, u, ch); err != nil {
			return fail(err)
		}
		if last.Info.Status == rcommon.StatusDeployed && sameManifests(last, proposed) {
			res.Action, res.Revision, res.Seconds = Unchanged, last.Version, time.Since(start).Seconds()
			say("unchanged (revision %d)", last.Version)
			return res
		}
		say("started: upgrade from revision %d", last.Version)
		up := upgrade(cfg, u, c.target.Namespace, opts.Timeout)
		rel, err = up.RunWithContext(ctx, u.Release, ch, u.Values)
	}
	if err == nil {
		r, cerr := toV1(rel)
		if cerr != nil {
			return fail(cerr)
		}
		res.Action, res.Revision, res.Seconds = Upgraded, r.Version, time.Since(start).Seconds()
		if last == nil {
			res.Action = Installed
		}
		say("ready in %.1fs (revision %d)", res.Seconds, r.Version)
		return res
	}
	// The rollout failed: say why while the failing objects still exist,
	// then put back what ran before.
	res.Error = err.Error()
	res.Diagnosis = c.diagnose(ctx, u.Release, rel)
	say("failed: %v", err)
	after, herr := lastRelease(cfg, u.Release)
	if herr == nil && (after == nil && last == nil || after != nil && last != nil && after.Version == last.Version) {
		// Helm stopped before it recorded a revision: nothing was applied.
		res.Action, res.Seconds = Failed, time.Since(start).Seconds()
		if last != nil {
			res.Revision = last.Version
		}
		res.Error += " (nothing was applied)"
		return res
	}
	if last == nil {
		say("removing the failed first install")
		un := action.NewUninstall(cfg)
		un.WaitStrategy, un.Timeout = kube.StatusWatcherStrategy, opts.Timeout
		un.DeletionPropagation = "foreground"
		if _, uerr := un.Run(u.Release); uerr != nil {
			res.Action, res.Error = Failed, fmt.Sprintf("%s; removing it failed too: %v", res.Error, uerr)
		} else {
			res.Action = Removed
		}
		res.Seconds = time.Since(start).Seconds()
		return res
	}
	// Back to the newest successful revision before this deploy's: the
	// one that ran before it.
	target, gerr := lastGood(cfg, u.Release, after.Version)
	if gerr != nil {
		res.Action, res.Error, res.Seconds = Failed, fmt.Sprintf("%s; no revision to roll back to: %v", res.Error, gerr), time.Since(start).Seconds()
		return res
	}
	say("rolling back to revision %d", target)
	_, back, rerr := c.rollback(cfg, u.Release, target, opts.Timeout)
	if rerr != nil {
		res.Action, res.Error = Failed, fmt.Sprintf("%s; rolling back failed too: %v", res.Error, rerr)
	} else {
		res.Action, res.Revision = RolledBack, back
		say("rolled back: revision %d runs", back)
	}
	res.Seconds = time.Since(start).Seconds()
	return res
}

// LoadChart loads u's chart and writes the mono annotations on it.
func LoadChart(u Unit) (*chartv2.Chart, error) {
	ch, err := loader.Load(u.Chart)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", u.Chart, err)
	}
	if ch.Metadata.Annotations == nil {
		ch.Metadata.Annotations = map[string]string{}
	}
	for k, v := range map[string]string{
		AnnotationComponent:   u.Component,
		AnnotationGitRevision: u.GitRevision,
		AnnotationImage:       u.Image,
		AnnotationDigest:      u.Digest,
	} {
		if v != "" {
			ch.Metadata.Annotations[k] = v
		}
	}
	return ch, nil
}

func labels(u Unit) map[string]string {
	l := map[string]string{LabelComponent: u.Component}
	if u.GitRevision != "" {
		l[LabelGitRevision] = u.GitRevision
	}
	return l
}

func upgrade(cfg *action.Configuration, u Unit, namespace string, timeout time.Duration) *action.Upgrade {
	up := action.NewUpgrade(cfg)
	up.Namespace, up.Timeout = namespace, timeout
	up.WaitStrategy, up.WaitForJobs = kube.StatusWatcherStrategy, true
	up.ServerSideApply = "auto"
	up.MaxHistory = 10
	up.Labels = labels(u)
	return up
}

// propose renders u as the next revision of its release, without
// applying anything.
func propose(ctx context.Context, cfg *action.Configuration, u Unit, ch *chartv2.Chart) (*rv1.Release, error) {
	up := upgrade(cfg, u, "", 0)
	up.DryRunStrategy = action.DryRunServer
	rel, err := up.RunWithContext(ctx, u.Release, ch, maps.Clone(u.Values))
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", u.Release, err)
	}
	return toV1(rel)
}

// sameManifests reports whether two revisions apply the same objects and
// hooks.
func sameManifests(a, b *rv1.Release) bool {
	return a.Manifest == b.Manifest && hookText(a) == hookText(b)
}

func hookText(r *rv1.Release) string {
	hooks := make([]string, 0, len(r.Hooks))
	for _, h := range r.Hooks {
		hooks = append(hooks, h.Path+"\n"+h.Manifest)
	}
	sort.Strings(hooks)
	return strings.Join(hooks, "\n---\n")
}

// lastGood returns the newest revision below `below` that deployed
// successfully (deployed or superseded).
func lastGood(cfg *action.Configuration, name string, below int) (int, error) {
	rels, err := history(cfg, name)
	if err != nil {
		return 0, err
	}
	good := 0
	for _, r := range rels {
		if r.Version < below && (r.Info.Status == rcommon.StatusDeployed || r.Info.Status == rcommon.StatusSuperseded) {
			good = r.Version
		}
	}
	if good == 0 {
		return 0, fmt.Errorf("%w: %s has no successful revision before %d", ErrNoRevision, name, below)
	}
	return good, nil
}

// lastRelease returns the newest revision of name, or nil when there is
// none (never installed, or uninstalled).
func lastRelease(cfg *action.Configuration, name string) (*rv1.Release, error) {
	h := action.NewHistory(cfg)
	h.Max = 1
	all, err := h.Run(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", name, err)
	}
	if len(all) == 0 {
		return nil, nil
	}
	rels, err := toV1s(all)
	if err != nil {
		return nil, err
	}
	sort.Slice(rels, func(i, j int) bool { return rels[i].Version < rels[j].Version })
	last := rels[len(rels)-1]
	if last.Info.Status == rcommon.StatusUninstalled {
		return nil, nil
	}
	return last, nil
}

func toV1(r ri.Releaser) (*rv1.Release, error) {
	switch v := r.(type) {
	case *rv1.Release:
		return v, nil
	case rv1.Release:
		return &v, nil
	case nil:
		return nil, errors.New("no release")
	}
	return nil, fmt.Errorf("unexpected release type %T", r)
}

func toV1s(rs []ri.Releaser) ([]*rv1.Release, error) {
	out := make([]*rv1.Release, 0, len(rs))
	for _, r := range rs {
		v, err := toV1(r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// progressKube says when Helm starts waiting: for a hook (a migration Job)
// or for the release's objects to become Ready.
type progressKube struct {
	kube.Interface
	say func(format string, args ...any)
}

func (p progressKube) GetWaiter(ws kube.WaitStrategy) (kube.Waiter, error) {
	w, err := p.Interface.GetWaiter(ws)
	return progressWaiter{Waiter: w, say: p.say}, err
}

func (p progressKube) GetWaiterWithOptions(ws kube.WaitStrategy, opts ...kube.WaitOption) (kube.Waiter, error) {
	wo, ok := p.Interface.(kube.InterfaceWaitOptions)
	if !ok {
		return p.GetWaiter(ws)
	}
	w, err := wo.GetWaiterWithOptions(ws, opts...)
	return progressWaiter{Waiter: w, say: p.say}, err
}

type progressWaiter struct {
	kube.Waiter
	say func(format string, args ...any)
}

func (w progressWaiter) Wait(res kube.ResourceList, timeout time.Duration) error {
	w.say("waiting for %d objects to be ready (timeout %s)", len(res), timeout)
	return w.Waiter.Wait(res, timeout)
}

func (w progressWaiter) WaitWithJobs(res kube.ResourceList, timeout time.Duration) error {
	w.say("waiting for %d objects to be ready (timeout %s)", len(res), timeout)
	return w.Waiter.WaitWithJobs(res, timeout)
}

func (w progressWaiter) WatchUntilReady(res kube.ResourceList, timeout time.Duration) error {
	names := make([]string, 0, len(res))
	for _, r := range res {
		names = append(names, strings.ToLower(r.Mapping.GroupVersionKind.Kind)+"/"+r.Name)
	}
	w.say("running hook %s", strings.Join(names, ", "))
	return w.Waiter.WatchUntilReady(res, timeout)
}
