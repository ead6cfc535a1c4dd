#!/usr/bin/env bash
# Refresh the vendored Redoc bundle that /docs serves (go:embed, no CDN).
# It comes from the npm registry with the ordinary client, pinned by version
# and checked against the registry's sha512 integrity. Run it from anywhere:
#   services/orders-api/api/docs/vendor.sh
set -euo pipefail
VERSION=2.5.4
INTEGRITY=sha512-M6jWhG1qoBnH6TFmzJnstyCZ87HmOY/UzDm78mHiYihEdlV/YcS9ogOo1NlElnJMeLsyxHFe2yFc4sNjHTrABQ==
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "redoc@$VERSION" >/dev/null)
tgz="$tmp/redoc-$VERSION.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [[ "$got" != "$INTEGRITY" ]]; then
  echo "redoc@$VERSION: integrity $got, want $INTEGRITY" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$tmp" package/bundles/redoc.standalone.js package/LICENSE
cp "$tmp/package/bundles/redoc.standalone.js" "$here/redoc.standalone.js"
cp "$tmp/package/LICENSE" "$here/redoc.LICENSE"
echo "vendored redoc $VERSION into $here"
