package kube

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	sigsyaml "sigs.k8s.io/yaml"
)

// crds are the CustomResourceDefinitions of the operators our charts use,
// extracted from their Go modules by hack/kube-assets.sh (each file's first
// line names its module, version and path).
//
//go:embed assets/crds
var crds embed.FS

// FieldManager is the field manager of Apply.
const FieldManager = "testenv"

// CRDs are the CRD sets InstallCRDs knows: folders of assets/crds.
var CRDs = []string{"prometheus-operator", "external-secrets"}

// InstallCRDs applies the CRDs of the named sets (CRDs; none: all of them)
// and waits, at most a minute, until each is Established.
func (c *Cluster) InstallCRDs(ctx context.Context, sets ...string) error {
	if len(sets) == 0 {
		sets = CRDs
	}
	var names []string
	for _, set := range sets {
		dir := path.Join("assets/crds", set)
		entries, err := fs.ReadDir(crds, dir)
		if err != nil {
			return fmt.Errorf("CRD set %q: not one of %s", set, strings.Join(CRDs, ", "))
		}
		for _, e := range entries {
			data, err := crds.ReadFile(path.Join(dir, e.Name()))
			if err != nil {
				return err
			}
			applied, err := c.Apply(ctx, data)
			if err != nil {
				return fmt.Errorf("CRD %s/%s: %w", set, e.Name(), err)
			}
			for _, o := range applied {
				names = append(names, o.GetName())
			}
		}
	}
	return c.waitEstablished(ctx, names)
}

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

func (c *Cluster) waitEstablished(ctx context.Context, names []string) error {
	dyn, err := dynamic.NewForConfig(c.config)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for _, name := range names {
		for {
			crd, err := dyn.Resource(crdResource).Get(ctx, name, metav1.GetOptions{})
			if err == nil && established(crd) {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("CRD %s not Established: %w", name, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

func established(crd *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if ok && m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// Apply applies every object of a YAML stream by server-side apply with
// strict field validation (an unknown or duplicate field is an error, as
// kubectl apply --server-side --validate=strict), as FieldManager, taking
// over conflicting fields. Objects without a namespace that need one go to
// "default". It returns the applied objects as the server stored them and
// stops at the first error, which names the object.
func (c *Cluster) Apply(ctx context.Context, manifests []byte) ([]*unstructured.Unstructured, error) {
	objs, err := decode(manifests)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(c.config)
	if err != nil {
		return nil, err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(c.config)
	if err != nil {
		return nil, err
	}
	// Fresh for each call: a CRD applied before adds kinds.
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))
	var out []*unstructured.Unstructured
	for _, obj := range objs {
		gvk := obj.GroupVersionKind()
		what := fmt.Sprintf("%s %s", gvk.Kind, obj.GetName())
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return out, fmt.Errorf("apply %s: %w", what, err)
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == "namespace" {
			if obj.GetNamespace() == "" {
				obj.SetNamespace("default")
			}
			ri = dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
		}
		data, err := obj.MarshalJSON()
		if err != nil {
			return out, err
		}
		force := true
		got, err := ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, data, metav1.PatchOptions{
			FieldManager: FieldManager, Force: &force, FieldValidation: "Strict",
		})
		if err != nil {
			return out, fmt.Errorf("apply %s: %w", what, err)
		}
		out = append(out, got)
	}
	return out, nil
}

// decode splits a YAML stream into objects, skipping empty documents.
func decode(manifests []byte) ([]*unstructured.Unstructured, error) {
	r := yaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(manifests)))
	var objs []*unstructured.Unstructured
	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("manifest document %d: %w", i, err)
		}
		var m map[string]any
		if err := sigsyaml.Unmarshal(doc, &m); err != nil {
			return nil, fmt.Errorf("manifest document %d: %w", i, err)
		}
		if len(m) == 0 {
			continue
		}
		obj := &unstructured.Unstructured{Object: m}
		if obj.GetKind() == "" || obj.GetAPIVersion() == "" || obj.GetName() == "" {
			return nil, fmt.Errorf("manifest document %d: apiVersion, kind and metadata.name are required", i)
		}
		objs = append(objs, obj)
	}
}
