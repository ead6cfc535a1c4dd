// Package tools pins the Kubernetes control-plane programs kube-apiserver,
// kube-controller-manager and kube-scheduler of k8s.io/kubernetes v1.37.2 for
// hack/tools.sh, which builds them with
// `go install k8s.io/kubernetes/cmd/<name>` inside this folder (see
// hack/tools.d/kube.txt). The blank imports keep their packages in go.sum.
// The Go module proxy serves k8s.io/kubernetes, but `go install
// k8s.io/kubernetes/cmd/kube-apiserver@v1.37.2` refuses it: its go.mod
// replaces the staging modules with folders of its own repository.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
)
