// Command etcd is the etcd server v3.6.16, built from this wrapper module by
// hack/tools.sh for the Kubernetes control plane of libs/testenv/kube: the
// Go module proxy here does not serve etcd's main module
// (go.etcd.io/etcd/v3, whose main is the etcd program), only the server
// module, so this main calls the server's own entry point as etcd's does.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
