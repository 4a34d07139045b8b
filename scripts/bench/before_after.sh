#!/usr/bin/env bash
# before_after.sh runs the same benchmark in two checkouts of the project
# in interleaved rounds (each round runs both, in an order that alternates)
# and prints, per benchmark, the median ns/row of each and the median of
# the per-round ratio after/before. Use it to show that a change does not
# slow a path down, on a shared, noisy machine.
#
# Usage: scripts/bench/before_after.sh ROUNDS BEFORE_DIR AFTER_DIR PACKAGE BENCH_REGEXP [go test flags...]
# e.g.   git worktree add /tmp/before c73cd6a
#        scripts/bench/before_after.sh 5 /tmp/before . ./engine/starlarkrt 'Call/.*/GOGC=400' -cpu 1 -benchtime 3x
set -euo pipefail
rounds=$1 before=$2 after=$3 pkg=$4 re=$5
shift 5
out=$(mktemp)
run() { # side dir round
  (cd "$2" && go test "$pkg" -run '^$' -bench "$re" -count 1 "${@:4}") |
    awk -v side="$1" -v r="$3" '/^Benchmark/ { for (i = 1; i <= NF; i++) if ($(i+1) == "ns/row") print side, r, $1, $i }' >> "$out"
}
for r in $(seq "$rounds"); do
  if (( r % 2 )); then run before "$before" "$r" "$@"; run after "$after" "$r" "$@"
  else run after "$after" "$r" "$@"; run before "$before" "$r" "$@"; fi
done
printf "%-40s %12s %12s %14s\n" benchmark "before ns/row" "after ns/row" "after/before"
awk '
function median(list,    n, a, i, j, t) {
  n = split(list, a, " ")
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ name = $3; sub(/-[0-9]+$/, "", name); ns[$1, $2, name] = $4; names[name] = 1; rounds[$2] = 1 }
END {
  for (name in names) {
    b = ""; a = ""; ratios = ""
    for (r in rounds) {
      if (("before", r, name) in ns) b = b " " ns["before", r, name]
      if (("after", r, name) in ns) a = a " " ns["after", r, name]
      if (("before", r, name) in ns && ("after", r, name) in ns) ratios = ratios " " ns["after", r, name] / ns["before", r, name]
    }
    printf "%-40s %12s %12s %14s\n", name, b == "" ? "-" : sprintf("%.0f", median(b)), a == "" ? "-" : sprintf("%.0f", median(a)), ratios == "" ? "-" : sprintf("%.2f", median(ratios))
  }
}' "$out" | sort
rm -f "$out"
