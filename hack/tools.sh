#!/usr/bin/env bash
# Installs the pinned Go-built tools listed in hack/tools.d/*.txt (lines of
# "name module/cmd@version", or "name ./folder" for a wrapper module kept in
# that folder) into .mono/tools/bin, from the Go module proxy.
# Idempotent: a tool already at its pinned version is not rebuilt.
# With names (hack/tools.sh tflint terraform-docs) only those are installed:
# what mono infra check runs when one of its tools is missing.
set -euo pipefail
only=" $* "
cd "$(dirname "$0")/.."
bin="$PWD/.mono/tools/bin"
mkdir -p "$bin"

while read -r name mod _; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  [[ $# -gt 0 && "$only" != *" $name "* ]] && continue
  stamp="$bin/.$name.version"
  want="$mod"
  # A local folder is a wrapper module of its own (see hack/tools.d/*.txt):
  # its go.mod pins the version, so the stamp follows that file.
  if [[ "$mod" == ./* ]]; then
    want="$mod $(sha256sum "$mod/go.mod" "$mod/go.sum" "$mod"/*.go | sha256sum | cut -c1-16)"
  fi
  if [[ -x "$bin/$name" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    continue
  fi
  echo "tools: installing $mod" >&2
  if [[ "$mod" == ./* ]]; then
    (cd "$mod" && GOBIN="$bin" go install .)
  else
    GOBIN="$bin" go install "$mod"
  fi
  echo "$want" >"$stamp"
done < <(cat hack/tools.d/*.txt)
