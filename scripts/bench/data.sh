#!/usr/bin/env bash
# data.sh measures data access side by side, in interleaved rounds: each
# round runs the library benchmarks (datasource/sqldb: our Arrow path and
# the plain driver scanning into Go variables, the floor; datasource/files:
# our CSV and Parquet readers and arrow-go's own) and then the end-to-end
# ones (cmd/flexfun-script BenchmarkDoGetData: tables returned by scripts,
# through GetFlightInfo + DoGet, next to emit). It prints the median rows/s
# of every benchmark over the rounds.
#
# The SQL benchmarks need the databases of scripts/ci/databases.sh:
#   eval "$(scripts/ci/databases.sh)"
# Usage: scripts/bench/data.sh ROUNDS [go test flags...]
# e.g.   scripts/bench/data.sh 5 -cpu 1 -benchtime 3x
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=$1
shift
out=$(mktemp)
for r in $(seq "$rounds"); do
  for spec in "./datasource/sqldb Arrow|Floor" "./datasource/files ." "./cmd/flexfun-script DoGetData"; do
    read -r pkg re <<< "$spec"
    go test "$pkg" -run '^$' -bench "$re" -count 1 "$@" |
      awk -v r="$r" '/^Benchmark/ { for (i = 1; i <= NF; i++) if ($(i+1) == "rows/s") print r, $1, $i }' >> "$out"
  done
done
printf "%-48s %14s %8s\n" benchmark "rows/s" rounds
awk '
function median(list,    n, a, i, j, t) {
  n = split(list, a, " ")
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ name = $2; sub(/-[0-9]+$/, "", name); v[name] = v[name] " " $3; n[name]++ }
END { for (name in v) printf "%-48s %14.0f %8d\n", name, median(v[name]), n[name] }' "$out" | sort
rm -f "$out"
