package helmdeploy

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	ri "helm.sh/helm/v4/pkg/release"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxEvents caps the events a diagnosis lists.
const maxEvents = 20

// diagnose says why a release's rollout failed: the pods of its
// Deployments and Jobs (hooks included) that are not Ready with their
// conditions, and the Warning events of its objects and their pods. rel is
// the failed revision (nil: the newest one in the history). It never fails:
// what it cannot read it says.
func (c *Client) diagnose(ctx context.Context, release string, rel ri.Releaser) string {
	r, _ := toV1(rel)
	if r == nil {
		cfg, err := c.config()
		if err == nil {
			r, _ = lastRelease(cfg, release)
		}
	}
	if r == nil {
		return ""
	}
	objs := objects(r.Manifest)
	for _, h := range r.Hooks {
		objs = append(objs, objects(h.Manifest)...)
	}
	cs, err := c.Clientset()
	if err != nil {
		return fmt.Sprintf("  (cannot read the cluster: %v)\n", err)
	}
	// Pods and ReplicaSets are named after their Deployment or Job.
	owned := func(name string) bool {
		for _, o := range objs {
			if name == o.Name || strings.HasPrefix(name, o.Name+"-") {
				return true
			}
		}
		return false
	}
	var b strings.Builder
	ns := c.target.Namespace
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		fmt.Fprintf(&b, "  (cannot list pods: %v)\n", err)
	} else {
		for _, p := range pods.Items {
			if !owned(p.Name) || podReady(p) || p.Status.Phase == corev1.PodSucceeded {
				continue
			}
			fmt.Fprintf(&b, "  pod/%s: %s\n", p.Name, p.Status.Phase)
			for _, cond := range p.Status.Conditions {
				if cond.Status == corev1.ConditionTrue {
					continue
				}
				fmt.Fprintf(&b, "    %s=%s %s: %s\n", cond.Type, cond.Status, cond.Reason, cond.Message)
			}
		}
	}
	events, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		fmt.Fprintf(&b, "  (cannot list events: %v)\n", err)
		return b.String()
	}
	var warn []corev1.Event
	for _, e := range events.Items {
		if e.Type == corev1.EventTypeWarning && owned(e.InvolvedObject.Name) {
			warn = append(warn, e)
		}
	}
	sort.Slice(warn, func(i, j int) bool { return lastSeen(warn[i]).Before(lastSeen(warn[j])) })
	if len(warn) > maxEvents {
		fmt.Fprintf(&b, "  (%d earlier events left out)\n", len(warn)-maxEvents)
		warn = warn[len(warn)-maxEvents:]
	}
	for _, e := range warn {
		fmt.Fprintf(&b, "  event %s %s %s/%s: %s\n", e.Type, e.Reason, strings.ToLower(e.InvolvedObject.Kind), e.InvolvedObject.Name, strings.TrimSpace(e.Message))
	}
	return b.String()
}

func podReady(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func lastSeen(e corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case e.Series != nil:
		return e.Series.LastObservedTime.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}
