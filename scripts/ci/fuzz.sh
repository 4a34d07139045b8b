#!/usr/bin/env bash
# Runs every fuzz target of the module for a short, bounded time.
#
# A target is a directory testdata/fuzz/<FuzzName> committed under a
# package: its seed corpus. Each runs for FUZZTIME (default 6s; Go duration
# or "Nx" executions), so the whole run stays well under two minutes.
# A failure leaves the crashing input in the package's testdata/fuzz/<FuzzName>
# (commit it: it becomes a regression test that plain `go test` runs) and
# stops the script with exit status 1.
#
#   scripts/ci/fuzz.sh                    # every target, 6 s each
#   FUZZTIME=5m scripts/ci/fuzz.sh        # a longer session
#   scripts/ci/fuzz.sh ./arrowbridge      # the targets of some packages only
set -euo pipefail
cd "$(dirname "$0")/../.."

fuzztime=${FUZZTIME:-6s}
# Minimising a new input can take a minute by default; bound it too.
minimize=${FUZZMINIMIZETIME:-2s}
parallel=${FUZZPARALLEL:-$(nproc 2>/dev/null || echo 2)}

# pkg dir -> target names, from the committed corpora.
mapfile -t corpora < <(git ls-files -- '*/testdata/fuzz/*' | sed -n 's#^\(.*\)/testdata/fuzz/\([^/]*\)/.*#\1 \2#p' | sort -u)
if [ "${#corpora[@]}" -eq 0 ]; then
  echo "fuzz.sh: no committed corpus under */testdata/fuzz" >&2
  exit 1
fi

want=("$@")
ran=0
start=$SECONDS
for entry in "${corpora[@]}"; do
  dir=${entry% *}
  target=${entry#* }
  if [ "${#want[@]}" -gt 0 ]; then
    match=0
    for w in "${want[@]}"; do [ "${w#./}" = "$dir" ] && match=1; done
    [ "$match" -eq 1 ] || continue
  fi
  echo "== fuzz ./$dir $target ($fuzztime)"
  if ! go test "./$dir" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" \
      -fuzzminimizetime "$minimize" -parallel "$parallel" > /tmp/fuzz.$$.log 2>&1; then
    tail -n 40 /tmp/fuzz.$$.log
    rm -f /tmp/fuzz.$$.log
    echo "fuzz.sh: $target in ./$dir failed; the input is under ./$dir/testdata/fuzz/$target" >&2
    exit 1
  fi
  grep -E '^fuzz: elapsed' /tmp/fuzz.$$.log | tail -n 1 || true
  ran=$((ran + 1))
done
rm -f /tmp/fuzz.$$.log
echo "fuzz.sh: $ran targets passed in $((SECONDS - start))s"
