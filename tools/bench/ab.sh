#!/usr/bin/env bash
# Compares two builds with interleaved pulse-bench runs: A, B, A, B, ...
# The machines Pulse is measured on are shared and noisy, so a change is
# judged by pairs run side by side, not by one run against an old figure.
#
#   tools/bench/ab.sh [--pairs=N] [--figures=REGEX] DIR_A DIR_B -- PULSE_BENCH_ARGS...
#
# DIR_A and DIR_B each hold a pulse-server and a pulse-bridge (copy them out
# of build/ before and after the change). Prints, per run, the figures whose
# names match REGEX (default: every figure), then each figure's median per
# side. pulse-bench itself is build/tools/bench/pulse-bench, or $PULSE_BENCH;
# leave out --runs: the pairs are the runs.
set -euo pipefail

# The header above; to stderr when exiting with an error.
usage() {
  local code="${1:-0}" fd=1
  [[ "$code" == 0 ]] || fd=2
  sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&"$fd"
  exit "$code"
}

pairs=3
figures='.'
while [[ $# -gt 0 ]]; do
  case "$1" in
    --pairs=*) pairs="${1#*=}"; shift ;;
    --figures=*) figures="${1#*=}"; shift ;;
    -h|--help) usage 0 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[[ $# -ge 3 && "$3" == "--" ]] || usage 2
a="$1"; b="$2"; shift 3
[[ "$pairs" =~ ^[1-9][0-9]*$ ]] || { echo "ab.sh: --pairs must be a positive integer" >&2; exit 2; }
for dir in "$a" "$b"; do
  for bin in pulse-server pulse-bridge; do
    [[ -x "$dir/$bin" ]] || { echo "ab.sh: $dir/$bin: not an executable" >&2; exit 2; }
  done
done

root="$(cd "$(dirname "$0")/../.." && pwd)"
bench="${PULSE_BENCH:-$root/build/tools/bench/pulse-bench}"
[[ -x "$bench" ]] || { echo "ab.sh: $bench: not built (tools/build.sh)" >&2; exit 2; }

results="$(mktemp)"
run="$(mktemp)"
trap 'rm -f "$results" "$run"' EXIT
for ((i = 1; i <= pairs; i++)); do
  for side in A B; do
    dir="$a"; [[ "$side" == B ]] && dir="$b"
    echo "== pair $i, $side ($dir)"
    if ! "$bench" --server_bin="$dir/pulse-server" --bridge_bin="$dir/pulse-bridge" \
        "$@" > "$run" 2>&1; then
      tail -n 20 "$run" >&2
      echo "ab.sh: pulse-bench failed (pair $i, $side)" >&2
      exit 1
    fi
    # One "name value" line per figure of this run that REGEX picks.
    sed -n 's/^{"figure": "\([^"]*\)", "value": \([^,]*\),.*/\1 \2/p' "$run" |
      awk -v re="$figures" '$1 ~ re' |
      while read -r name value; do
        printf '  %-55s %s\n' "$name" "$value"
        echo "$side $name $value" >> "$results"
      done
  done
done
[[ -s "$results" ]] || { echo "ab.sh: no figure matched --figures=$figures" >&2; exit 1; }

echo "== medians of $pairs runs each (A -> B)"
sort -k2,2 -k1,1 -k3,3g "$results" | awk '
  function flush() {
    if (name == "") return
    printf "  %-55s %s -> %s\n", name, med("A"), med("B")
  }
  function med(side,   n) {
    n = count[side]
    if (n == 0) return "-"
    return (n % 2) ? v[side, (n + 1) / 2] : (v[side, n / 2] + v[side, n / 2 + 1]) / 2
  }
  $2 != name { flush(); name = $2; count["A"] = 0; count["B"] = 0 }
  { v[$1, ++count[$1]] = $3 }
  END { flush() }'
