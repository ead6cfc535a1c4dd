#!/usr/bin/env bash
# Installs the pinned Go-built tools listed in hack/tools.d/*.txt (lines of
# "name module/cmd@version", or "name ./folder [package]" for a wrapper
# module kept in that folder: without package the folder's own main is
# installed, with one that package of the folder's module graph, so one
# wrapper module can give several programs) into .mono/tools/bin, from the
# Go module proxy. A wrapper folder may hold ldflags.txt: its line is passed
# to go install as -ldflags (e.g. a version stamped with -X). A trailing
# "# note" (how long a cold build takes) is said before building.
# Idempotent: a tool already at its pinned version is not rebuilt. Parallel
# runs (test packages that build their tools) take a lock per tool, so one
# builds it and the others wait, then find it built.
# With names (hack/tools.sh tflint terraform-docs) only those are installed:
# what mono infra check runs when one of its tools is missing. Tools in
# hack/tools.d/*.on-demand.txt (the helm CLI the deploy benchmark times) are
# installed only when named, never by a plain hack/tools.sh (make test).
set -euo pipefail
only=" $* "
cd "$(dirname "$0")/.."
bin="$PWD/.mono/tools/bin"
mkdir -p "$bin"

while read -r name mod pkg note; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  if [[ "$pkg" == \#* ]]; then
    note="$pkg $note"
    pkg=""
  fi
  note="${note#\# }"
  [[ $# -gt 0 && "$only" != *" $name "* ]] && continue
  stamp="$bin/.$name.version"
  want="$mod"
  ldflags=""
  # A local folder is a wrapper module of its own (see hack/tools.d/*.txt):
  # its go.mod pins the version, so the stamp follows that file.
  if [[ "$mod" == ./* ]]; then
    files=("$mod/go.mod" "$mod/go.sum" "$mod"/*.go)
    if [[ -f "$mod/ldflags.txt" ]]; then
      ldflags="$(cat "$mod/ldflags.txt")"
      files+=("$mod/ldflags.txt")
    fi
    want="$mod ${pkg:-.} $(sha256sum "${files[@]}" | sha256sum | cut -c1-16)"
  fi
  up_to_date() { [[ -x "$bin/$name" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; }
  up_to_date && continue
  exec 9>"$bin/.$name.lock"
  flock 9
  if ! up_to_date; then
    echo "tools: installing $name from $mod${pkg:+ ($pkg)}${note:+: $note}" >&2
    if [[ "$mod" == ./* ]]; then
      (cd "$mod" && GOBIN="$bin" go install -ldflags="$ldflags" "${pkg:-.}")
    else
      GOBIN="$bin" go install "$mod"
    fi
    echo "$want" >"$stamp"
  fi
  exec 9>&-
done < <(if [[ $# -gt 0 ]]; then cat hack/tools.d/*.txt; else ls hack/tools.d/*.txt | grep -v '\.on-demand\.txt$' | xargs cat; fi)
