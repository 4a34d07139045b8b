#!/usr/bin/env bash
# The patched interpreters (docs/architecture.md, "Patched interpreters").
#
# third_party/<module> is the upstream source of the packages flexfun-script
# uses from goja and go.starlark.net, at the versions go.mod requires (tests
# and unused packages left out), with third_party/patches/<module>.patch
# applied; go.mod's replace directives build these copies.
#
#   scripts/third_party/copy.sh          # remake the copies: upstream + patch
#   scripts/third_party/copy.sh --diff   # rewrite the patches from the copies
#
# To move to a new upstream version: change the version in go.mod's require
# line, run the script, resolve any hunk that no longer applies, run it with
# --diff, and run the tests (engine/conformance/onestep_test.go covers the
# patches).
set -euo pipefail
cd "$(dirname "$0")/../.."

declare -A packages=(
  [goja]="github.com/dop251/goja . ast file ftoa ftoa/internal/fast parser token unistring"
  [go.starlark.net]="go.starlark.net starlark syntax resolve internal/compile internal/spell starlarkstruct lib/json lib/math lib/time"
)

# upstream NAME DIR: copies the upstream packages of NAME into DIR.
upstream() {
  local name=$1 dir=$2
  set -- ${packages[$name]}
  local module=$1; shift
  local version
  version=$(awk -v m="$module" '$1 == m && $2 ~ /^v/ { print $2; exit }' go.mod)
  local src
  src=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  for pkg in "$@"; do
    mkdir -p "$dir/$pkg"
    find "$src/$pkg" -maxdepth 1 -type f -name '*.go' ! -name '*_test.go' -exec cp {} "$dir/$pkg/" \;
  done
  cp "$src/go.mod" "$src/LICENSE" "$dir/"
  if [ -f "$src/go.sum" ]; then cp "$src/go.sum" "$dir/"; fi
  chmod -R u+w "$dir"
  echo "$module@$version"
}

for name in goja go.starlark.net; do
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  from=$(upstream "$name" "$tmp/$name")
  if [ "${1:-}" = --diff ]; then
    (cd "$tmp" && cp -r "$OLDPWD/third_party/$name" "patched" &&
      diff -ruN "$name" patched | sed -e "s#^--- $name/#--- a/#" -e "s#^+++ patched/#+++ b/#" -e "s#^diff -ruN $name/\([^ ]*\) patched/.*#diff -ruN a/\1 b/\1#" -e "s#^\(---\|+++\) \([^\t]*\)\t.*#\1 \2#" \
      > "$OLDPWD/third_party/patches/$name.patch") || true
    echo "third_party/patches/$name.patch: against $from"
  else
    rm -rf "third_party/$name"
    mv "$tmp/$name" "third_party/$name"
    patch -s -d "third_party/$name" -p1 --no-backup-if-mismatch < "third_party/patches/$name.patch"
    echo "third_party/$name: $from + patches/$name.patch"
  fi
  rm -rf "$tmp"
  trap - EXIT
done
