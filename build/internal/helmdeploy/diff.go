package helmdeploy

import (
	"context"
	"fmt"
	"maps"

	"github.com/pmezard/go-difflib/difflib"
	"helm.sh/helm/v4/pkg/action"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
)

// Diff renders u as the next revision of its release (hooks included) and
// returns the unified diff from the deployed revision's manifests ("" when
// they are equal; everything added when the release is not installed).
func (c *Client) Diff(ctx context.Context, u Unit) (string, error) {
	ch, err := LoadChart(u)
	if err != nil {
		return "", err
	}
	cfg, err := c.config()
	if err != nil {
		return "", err
	}
	last, err := lastRelease(cfg, u.Release)
	if err != nil {
		return "", err
	}
	var live, liveName string
	var next string
	if last == nil {
		liveName = u.Release + " (not installed)"
		// Nothing deployed: render as a first install would.
		rendered, err := c.renderInstall(ctx, cfg, u, ch)
		if err != nil {
			return "", err
		}
		next = rendered
	} else {
		liveName = fmt.Sprintf("%s revision %d (%s)", u.Release, last.Version, last.Info.Status)
		live = last.Manifest + hookText(last)
		proposed, err := propose(ctx, cfg, u, ch)
		if err != nil {
			return "", err
		}
		next = proposed.Manifest + hookText(proposed)
	}
	if live == next {
		return "", nil
	}
	return difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(live), B: difflib.SplitLines(next),
		FromFile: liveName, ToFile: u.Release + " (to deploy)", Context: 3,
	})
}

// renderInstall renders u as a first install, without applying it.
func (c *Client) renderInstall(ctx context.Context, cfg *action.Configuration, u Unit, ch *chartv2.Chart) (string, error) {
	in := action.NewInstall(cfg)
	in.ReleaseName, in.Namespace = u.Release, c.target.Namespace
	in.DryRunStrategy = action.DryRunServer
	rel, err := in.RunWithContext(ctx, ch, maps.Clone(u.Values))
	if err != nil {
		return "", fmt.Errorf("render %s: %w", u.Release, err)
	}
	r, err := toV1(rel)
	if err != nil {
		return "", err
	}
	return r.Manifest + hookText(r), nil
}
