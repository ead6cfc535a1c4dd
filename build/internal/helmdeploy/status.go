package helmdeploy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/kube"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	rv1 "helm.sh/helm/v4/pkg/release/v1"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"helm.sh/helm/v4/pkg/storage/driver"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// State is what runs for one release.
type State struct {
	Release string `json:"release"`
	// Installed is false when the release does not exist.
	Installed bool `json:"installed"`
	Revision  int  `json:"revision,omitempty"`
	// Status is Helm's: deployed, failed, pending-upgrade, ...
	Status      string    `json:"status,omitempty"`
	Chart       string    `json:"chart,omitempty"` // name-version
	Updated     time.Time `json:"updated,omitzero"`
	Component   string    `json:"component,omitempty"`
	GitRevision string    `json:"gitRevision,omitempty"`
	Image       string    `json:"image,omitempty"`
	Digest      string    `json:"digest,omitempty"`
	// Ready and Desired sum the replicas of the release's Deployments.
	Ready   int32 `json:"ready"`
	Desired int32 `json:"desired"`
}

// Status reads the newest revision of each release and the readiness of
// its Deployments.
func (c *Client) Status(ctx context.Context, releases []string) ([]State, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	cs, err := c.Clientset()
	if err != nil {
		return nil, err
	}
	out := make([]State, 0, len(releases))
	for _, name := range releases {
		st := State{Release: name}
		last, err := lastRelease(cfg, name)
		if err != nil {
			return nil, err
		}
		if last != nil {
			st.Installed, st.Revision, st.Status = true, last.Version, last.Info.Status.String()
			st.Updated = last.Info.LastDeployed
			if last.Chart != nil && last.Chart.Metadata != nil {
				md := last.Chart.Metadata
				st.Chart = md.Name + "-" + md.Version
				st.Component = md.Annotations[AnnotationComponent]
				st.GitRevision = md.Annotations[AnnotationGitRevision]
				st.Image = md.Annotations[AnnotationImage]
				st.Digest = md.Annotations[AnnotationDigest]
			}
			for _, o := range objects(last.Manifest) {
				if o.Kind != "Deployment" {
					continue
				}
				d, err := cs.AppsV1().Deployments(c.target.Namespace).Get(ctx, o.Name, metav1.GetOptions{})
				if apierrors.IsNotFound(err) {
					continue
				}
				if err != nil {
					return nil, fmt.Errorf("deployment %s: %w", o.Name, err)
				}
				st.Ready += d.Status.ReadyReplicas
				if d.Spec.Replicas != nil {
					st.Desired += *d.Spec.Replicas
				}
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// Revision is one entry of a release's history.
type Revision struct {
	Revision    int       `json:"revision"`
	Status      string    `json:"status"`
	Updated     time.Time `json:"updated"`
	Description string    `json:"description"`
	GitRevision string    `json:"gitRevision,omitempty"`
}

// History lists the revisions of a release, oldest first.
func (c *Client) History(release string) ([]Revision, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	rels, err := history(cfg, release)
	if err != nil {
		return nil, err
	}
	out := make([]Revision, len(rels))
	for i, r := range rels {
		out[i] = Revision{Revision: r.Version, Status: r.Info.Status.String(), Updated: r.Info.LastDeployed, Description: r.Info.Description}
		if r.Chart != nil && r.Chart.Metadata != nil {
			out[i].GitRevision = r.Chart.Metadata.Annotations[AnnotationGitRevision]
		}
	}
	return out, nil
}

func history(cfg *action.Configuration, release string) ([]*rv1.Release, error) {
	all, err := action.NewHistory(cfg).Run(release)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, fmt.Errorf("release %s is not installed", release)
	}
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", release, err)
	}
	rels, err := toV1s(all)
	if err != nil {
		return nil, err
	}
	releaseutil.SortByRevision(rels)
	return rels, nil
}

// ErrNoRevision means a rollback has no revision to go back to.
var ErrNoRevision = errors.New("no revision to roll back to")

// Rollback makes revision (0: the newest successful one before the
// current) of release run again and waits until it is Ready. It returns
// the revision rolled back to and the new revision that runs it. A failed
// rollback returns the events of the failing objects in a *RolloutError.
func (c *Client) Rollback(ctx context.Context, release string, revision int, timeout time.Duration) (to, rev int, err error) {
	cfg, err := c.config()
	if err != nil {
		return 0, 0, err
	}
	to, rev, err = c.rollback(cfg, release, revision, timeout)
	if errors.Is(err, ErrNoRevision) {
		return 0, 0, err
	}
	if err != nil {
		return to, 0, &RolloutError{Err: err, Diagnosis: c.diagnose(ctx, release, nil)}
	}
	return to, rev, nil
}

// RolloutError is a failed rollout with what the cluster said about it.
type RolloutError struct {
	Err       error
	Diagnosis string
}

func (e *RolloutError) Error() string { return e.Err.Error() }
func (e *RolloutError) Unwrap() error { return e.Err }

// rollback picks the target revision and rolls back to it; it returns
// the target and the new revision.
func (c *Client) rollback(cfg *action.Configuration, release string, revision int, timeout time.Duration) (int, int, error) {
	rels, err := history(cfg, release)
	if err != nil {
		return 0, 0, err
	}
	if revision == 0 {
		// The newest successful revision that is not the one running now.
		current := rels[len(rels)-1].Version
		for _, r := range rels {
			if r.Info.Status == rcommon.StatusDeployed {
				current = r.Version
			}
		}
		for _, r := range rels {
			if r.Version != current && (r.Info.Status == rcommon.StatusSuperseded || r.Info.Status == rcommon.StatusDeployed) {
				revision = r.Version
			}
		}
		if revision == 0 {
			return 0, 0, fmt.Errorf("%w: %s has no earlier successful revision", ErrNoRevision, release)
		}
	} else {
		var have []string
		found := false
		for _, r := range rels {
			have = append(have, fmt.Sprint(r.Version))
			found = found || r.Version == revision
		}
		if !found {
			return 0, 0, fmt.Errorf("%w: %s has no revision %d (revisions: %s)", ErrNoRevision, release, revision, strings.Join(have, ", "))
		}
	}
	rb := action.NewRollback(cfg)
	rb.Version, rb.Timeout = revision, timeout
	rb.WaitStrategy, rb.WaitForJobs = kube.StatusWatcherStrategy, true
	rb.ServerSideApply = "auto"
	rb.MaxHistory = 10
	if err := rb.Run(release); err != nil {
		return revision, 0, fmt.Errorf("roll %s back to revision %d: %w", release, revision, err)
	}
	after, err := history(cfg, release)
	if err != nil {
		return revision, 0, err
	}
	return revision, after[len(after)-1].Version, nil
}

// object is the kind and name of one manifest document.
type object struct {
	Kind string
	Name string
}

// objects lists the kind and name of every document of a manifest.
func objects(manifest string) []object {
	var out []object
	docs := releaseutil.SplitManifests(manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	for _, k := range keys {
		var m struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if yaml.Unmarshal([]byte(docs[k]), &m) != nil || m.Kind == "" {
			continue
		}
		out = append(out, object{Kind: m.Kind, Name: m.Metadata.Name})
	}
	return out
}
