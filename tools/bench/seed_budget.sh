#!/usr/bin/env bash
# Benchmark: data/seed.tsum under a memory budget, at several sizes. Prints one table row per size with the
# median wall time and median peak RSS of RUNS runs (from /usr/bin/time -v), the arena's peak, and the
# max relative error against the four-term formula.
#
#   tools/bench/seed_budget.sh [--sizes "400 1000"] [--memory 64MiB] [--runs 5] [--threads N] [--strategy S]
# Inputs go to data/generated/bench/ (reused when present); needs a built build/tools/tilesum.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

sizes="400 1000"; memory="64MiB"; runs=5; threads=$(nproc); strategy=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --memory) memory="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --strategy) strategy="$2"; shift 2 ;;
    *) echo "usage: $0 [--sizes \"400 1000\"] [--memory 64MiB] [--runs 5] [--threads N] [--strategy auto|expand|tile]" >&2; exit 2 ;;
  esac
done

tilesum=build/tools/tilesum
[ -x "$tilesum" ] || { echo "build first: make build" >&2; exit 2; }
work=data/generated/bench
mkdir -p "$work"

median() { sort -g | awk '{ values[NR] = $1 } END { print values[int((NR + 1) / 2)] }'; }

printf '%-8s %-8s %-8s %-8s %10s %14s %10s %11s\n' "n = q" memory threads strategy "median s" "median RSS MiB" "arena peak" "max rel err"
for size in $sizes; do
  input="$work/seed_${size}.h5"
  /usr/bin/python3 tools/data/gen_seed.py --n "$size" --q "$size" --out "$input" --skip-if-same > /dev/null
  times=(); rss=()
  for ((run = 0; run < runs; ++run)); do
    /usr/bin/time -v -o "$work/time.txt" "$tilesum" run data/seed.tsum --data "$input" --out "$work/out_${size}.h5" \
      --memory "$memory" --threads "$threads" --strategy "$strategy" --overwrite 2> "$work/stderr.txt" > /dev/null
    times+=("$(awk -F': ' '/Elapsed \(wall clock\)/ { split($2, t, ":"); print (length(t) == 3 ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2]) }' "$work/time.txt")")
    rss+=("$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$work/time.txt")")
  done
  arena=$(grep -o 'arena peak [0-9.]* [KMGi]*B' "$work/stderr.txt" | awk '{ print $3 $4 }' || true)
  error=$(/usr/bin/python3 tools/data/check_seed.py --data "$input" --out "$work/out_${size}.h5" | awk -F': ' '/max relative error/ { print $2 }')
  printf '%-8s %-8s %-8s %-8s %10s %14s %10s %11s\n' "$size" "$memory" "$threads" "$strategy" \
    "$(printf '%s\n' "${times[@]}" | median)" "$(printf '%s\n' "${rss[@]}" | median)" "${arena:-?}" "$error"
done
