#!/usr/bin/env bash
# Installs pinned Go-built tools into .mono/tools/bin (from the Go module proxy).
# Idempotent: a tool already at its pinned version is not rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$PWD/.mono/tools/bin"
mkdir -p "$bin"

install() { # name module@version
  local name=$1 mod=$2 stamp="$bin/.$1.version"
  if [[ -x "$bin/$name" && -f "$stamp" && "$(cat "$stamp")" == "$mod" ]]; then
    return
  fi
  echo "tools: installing $mod" >&2
  GOBIN="$bin" go install "$mod"
  echo "$mod" >"$stamp"
}

install staticcheck honnef.co/go/tools/cmd/staticcheck@v0.8.2
