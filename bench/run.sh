#!/usr/bin/env bash
# Benchmark mono against turbo and nx (see bench/README.md). Installs the
# pinned peers from bench/tools/package-lock.json when it changed, then runs
# the Go driver; flags pass through (e.g. bench/run.sh -sizes 500 -runs 3).
set -euo pipefail
cd "$(dirname "$0")/.."

tools=bench/tools
stamp=$tools/node_modules/.bench-lock-sha256
want=$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "bench: npm ci in $tools" >&2
  npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error >&2
  echo "$want" >"$stamp"
fi

exec go run ./bench/cmd/affectedbench "$@"
