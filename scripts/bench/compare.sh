#!/usr/bin/env bash
# compare.sh runs a benchmark in interleaved rounds and prints, per
# benchmark, the median ns/row and rows/s over the rounds and the median of
# the per-round ratio to that round's floor (the "Floor" benchmark with the
# same suffix, e.g. BenchmarkCall/Floor/GOGC=400 for BenchmarkCall/Emit/GOGC=400).
# Interleaving (every mode once per round, rounds repeated) keeps the ratios
# honest on a shared, noisy machine.
#
# Usage: scripts/bench/compare.sh ROUNDS PACKAGE BENCH_REGEXP [go test flags...]
# e.g.   scripts/bench/compare.sh 5 ./engine/starlarkrt 'Call' -cpu 1 -benchtime 3x
set -euo pipefail
rounds=$1 pkg=$2 re=$3
shift 3
out=$(mktemp)
for r in $(seq "$rounds"); do
  go test "$pkg" -run '^$' -bench "$re" -count 1 "$@" | awk -v r="$r" '/^Benchmark/ { for (i = 1; i <= NF; i++) if ($(i+1) == "ns/row") print r, $1, $i }' >> "$out"
done
printf "%-45s %10s %12s %10s\n" benchmark ns/row rows/s "x floor"
awk '
function median(list,    n, a, i, j, t) {
  n = split(list, a, " ")
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ name = $2; sub(/-[0-9]+$/, "", name); ns[$1, name] = $3; names[name] = 1; rounds[$1] = 1 }
END {
  for (name in names) {
    floor = name; sub(/\/[^\/]+\//, "/Floor/", floor)
    vals = ""; ratios = ""
    for (r in rounds) {
      if ((r, name) in ns) vals = vals " " ns[r, name]
      if ((r, name) in ns && (r, floor) in ns) ratios = ratios " " ns[r, name] / ns[r, floor]
    }
    m = median(vals)
    printf "%-45s %10.0f %12.0f %10s\n", name, m, 1e9 / m, ratios == "" ? "-" : sprintf("%.2f", median(ratios))
  }
}' "$out" | sort
rm -f "$out"
