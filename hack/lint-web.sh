#!/usr/bin/env bash
# Verify-only lint of the web console and the Dash app (called from
# hack/lint.sh): TypeScript type check, the generated orders-api types in
# sync with services/orders-api/openapi.json, ruff on dash/sales. Installs
# what it needs: the npm workspaces from package-lock.json (npm ci, once per
# lockfile) and the Dash venv (.mono/venvs/sales-dash, once per
# requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

hack/npm-ci.sh

echo "lint-web: tsc --noEmit and the orders-api types (web/console)"
npm run --silent lint --workspace web/console

echo "lint-web: ruff (dash/sales)"
venv=$(hack/pyvenv.sh sales-dash dash/sales/requirements.txt)
(cd dash/sales && "$venv/bin/ruff" check --no-cache . && "$venv/bin/ruff" format --check --no-cache .)
echo "lint-web: ok"
