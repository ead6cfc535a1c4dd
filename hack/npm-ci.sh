#!/usr/bin/env bash
# Installs the npm workspaces from package-lock.json (npm ci), once per
# lockfile: hack/lint-web.sh and hack/mono-test.sh call it before the web
# console's checks.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v npm >/dev/null || { echo "npm-ci: npm not found (install Node.js 20 with npm)" >&2; exit 1; }
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ "$(cat node_modules/.mono-package-lock.sha256 2>/dev/null)" != "$want" ]]; then
  echo "npm-ci: npm ci"
  mkdir -p .mono
  (
    flock 9
    npm ci --no-audit --no-fund --loglevel=error
    printf '%s' "$want" >node_modules/.mono-package-lock.sha256
  ) 9>.mono/npm-ci.lock
fi
