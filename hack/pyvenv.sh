#!/usr/bin/env bash
# hack/pyvenv.sh NAME REQUIREMENTS: make sure the venv .mono/venvs/NAME has
# REQUIREMENTS installed (created on first use, rebuilt when the file
# changes), then print its folder. Same layout, stamp and lock as the Go
# helper libs/testenv/pyenv, so scripts, tests and mono dev share one venv.
set -euo pipefail
name=$1 req=$2
root=$(cd "$(dirname "$0")/.." && pwd)
base=$root/.mono/venvs
dir=$base/$name
mkdir -p "$base"
exec 9>"$base/$name.lock"
flock 9
want=$(sha256sum "$req" | cut -d' ' -f1)
if [[ -x $dir/bin/python && "$(cat "$dir/.requirements.sha256" 2>/dev/null)" == "$want" ]]; then
  echo "$dir"
  exit 0
fi
py=""
for c in python3.13 python3.12 python3.11 python3; do
  if command -v "$c" >/dev/null && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    py=$(command -v "$c")
    break
  fi
done
[[ -n $py ]] || { echo "pyvenv: python 3.11 or newer not found on PATH (install python3.11 and python3.11-venv)" >&2; exit 1; }
echo "pyvenv: creating $dir with $py (first run only)" >&2
rm -rf "$dir"
"$py" -m venv "$dir" >&2
cp "$req" "$dir/requirements.txt"
"$dir/bin/python" -m pip install --disable-pip-version-check -q -r "$dir/requirements.txt" >&2
printf '%s' "$want" >"$dir/.requirements.sha256"
echo "$dir"
