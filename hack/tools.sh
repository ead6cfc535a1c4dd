#!/usr/bin/env bash
# Installs the pinned Go-built tools listed in hack/tools.d/*.txt (lines of
# "name module/cmd@version") into .mono/tools/bin, from the Go module proxy.
# Idempotent: a tool already at its pinned version is not rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$PWD/.mono/tools/bin"
mkdir -p "$bin"

while read -r name mod _; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  stamp="$bin/.$name.version"
  if [[ -x "$bin/$name" && -f "$stamp" && "$(cat "$stamp")" == "$mod" ]]; then
    continue
  fi
  echo "tools: installing $mod" >&2
  GOBIN="$bin" go install "$mod"
  echo "$mod" >"$stamp"
done < <(cat hack/tools.d/*.txt)
