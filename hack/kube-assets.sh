#!/usr/bin/env bash
# Re-extracts the files libs/testenv/kube embeds from the Go modules that
# release them (Go module proxy, through `go mod download`):
#   crds/  the CustomResourceDefinitions of the operators our charts use
#          (ServiceMonitor, PodMonitor, PrometheusRule; ExternalSecret,
#          ClusterSecretStore, SecretStore),
#   kwok/  kwok's Stage configs (nodes Ready with a lease heartbeat, pods
#          Ready at once).
# Each file gets a first line naming its module, version and path.
# --verify extracts into a temporary folder and fails on any difference
# (run by the kube package's tests), so a version bump here is one edit
# plus a run of this script.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=libs/testenv/kube/assets

# module@version | source folder in the module | destination | files
assets=(
  "github.com/prometheus-operator/prometheus-operator@v0.94.1|example/prometheus-operator-crd|crds/prometheus-operator|monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_podmonitors.yaml monitoring.coreos.com_prometheusrules.yaml"
  "github.com/external-secrets/external-secrets@v0.16.2|config/crds/bases|crds/external-secrets|external-secrets.io_externalsecrets.yaml external-secrets.io_secretstores.yaml external-secrets.io_clustersecretstores.yaml"
  "sigs.k8s.io/kwok@v0.8.0|kustomize/stage/node/fast|kwok|node-initialize.yaml"
  "sigs.k8s.io/kwok@v0.8.0|kustomize/stage/node/heartbeat-with-lease|kwok|node-heartbeat-with-lease.yaml"
  "sigs.k8s.io/kwok@v0.8.0|kustomize/stage/pod/fast|kwok|pod-ready.yaml pod-complete.yaml pod-delete.yaml"
)

extract() {
  local out="$1" line mod src to files dir f
  for line in "${assets[@]}"; do
    IFS='|' read -r mod src to files <<<"$line"
    dir="$(go mod download -json "$mod" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
    if [[ -z "$dir" ]]; then
      echo "kube-assets: go mod download $mod gave no folder" >&2
      exit 1
    fi
    mkdir -p "$out/$to"
    for f in $files; do
      { echo "# From $mod, $src/$f (extracted by hack/kube-assets.sh; do not edit)."
        cat "$dir/$src/$f"; } >"$out/$to/$f"
    done
  done
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# go mod download needs a module to run in; an empty one does.
(cd "$tmp" && go mod init kubeassets >/dev/null 2>&1)
extract_in_tmp() { (cd "$tmp" && extract "$tmp/out"); }
extract_in_tmp
if [[ "${1:-}" == "--verify" ]]; then
  if ! diff -r "$tmp/out/crds" "$dest/crds" || ! diff -r "$tmp/out/kwok" "$dest/kwok"; then
    echo "kube-assets: $dest differs from the pinned modules: run hack/kube-assets.sh" >&2
    exit 1
  fi
  exit 0
fi
rm -rf "$dest/crds" "$dest/kwok"
mkdir -p "$dest"
cp -r "$tmp/out/crds" "$tmp/out/kwok" "$dest/"
echo "kube-assets: wrote $dest/crds and $dest/kwok" >&2
