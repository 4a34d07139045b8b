#!/usr/bin/env bash
# Installs the reference servers the differential tests and benchmarks in
# compat/ run beside flexfun-script:
#
#   compat/.venv         gooddata-flight-server + gooddata-flexconnect (requirements.txt)
#   compat/.venv-flexfun gooddata-flight-server + gooddata-flexfun 1.30 (requirements-flexfun.txt)
#
# Idempotent: a virtual environment is reused as long as its requirements
# file and the Python interpreter are the ones it was built from (a stamp
# file records them), so a second run takes a second. Both directories are
# git-ignored. Set PYTHON to choose the interpreter (default python3, 3.10 or
# newer). Exits non-zero if an installation fails.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "compat/setup.sh: $PYTHON is missing or older than Python 3.10" >&2
  exit 1
fi

# stamp prints what a virtual environment is built from: the requirements
# file's digest and the interpreter's version.
stamp() {
  printf '%s %s\n' "$(sha256sum "$1" | cut -d' ' -f1)" "$("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
}

# install DIR REQUIREMENTS CHECK builds DIR from REQUIREMENTS unless its
# stamp matches and the Python statement CHECK runs in it.
install() {
  local dir=$1 req=$2 check=$3 want
  want=$(stamp "$req")
  if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$want" ] && "$dir/bin/python" -c "$check" 2>/dev/null; then
    echo "compat/setup.sh: $dir is up to date"
    return
  fi
  echo "compat/setup.sh: creating $dir from $req"
  rm -rf "$dir"
  "$PYTHON" -m venv "$dir"
  # Every dependency is pinned in the file, so pip resolves nothing: what
  # runs is exactly what was tested.
  "$dir/bin/pip" install --disable-pip-version-check --no-input --quiet --no-deps -r "$req"
  "$dir/bin/pip" check --disable-pip-version-check
  "$dir/bin/python" -c "$check"
  echo "$want" >"$dir/.stamp"
}

install .venv requirements.txt 'import gooddata_flight_server, gooddata_flexconnect, pyarrow.flight'
install .venv-flexfun requirements-flexfun.txt 'import gooddata_flight_server, gooddata_flexfun, pyarrow.flight'
