// Command etcd is the etcd server v3.6.16, built from this wrapper module by
// hack/tools.sh for the Kubernetes control plane of libs/testenv/kube: the
// etcd main module is not published on the Go module proxy under a path go
// install accepts, so this main calls the server's own entry point.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
