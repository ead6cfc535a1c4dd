#!/usr/bin/env bash
# Verify-only lint: fails on any finding, changes nothing (fix with make fmt).
set -euo pipefail
cd "$(dirname "$0")/.."
hack/tools.sh
export PATH="$PWD/.mono/tools/bin:$PATH"

echo "lint: gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' --cached --others --exclude-standard))
if [[ -n "$unformatted" ]]; then
  echo "gofmt would change these files (run make fmt):" >&2
  echo "$unformatted" >&2
  exit 1
fi
echo "lint: go vet"
go vet ./...
echo "lint: staticcheck"
staticcheck ./...
hack/lint-web.sh
# One ruff for all our Python: the version pinned in dash/sales/requirements.txt.
echo "lint: ruff (dags)"
venv=$(hack/pyvenv.sh sales-dash dash/sales/requirements.txt)
(cd dags && "$venv/bin/ruff" check --no-cache . && "$venv/bin/ruff" format --check --no-cache .)
echo "lint: ok"
