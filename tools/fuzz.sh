#!/usr/bin/env bash
# Builds the libFuzzer targets (tools/fuzz/, clang, ASan+UBSan, into
# build-fuzz/) and runs each for SECONDS (default 60) on a scratch copy of its
# seed corpus; the repo's corpus is never written. Fails if any target
# crashes, leaks, hangs or runs out of memory, printing the input that did it.
#   tools/fuzz.sh [SECONDS] [TARGET...]   e.g. tools/fuzz.sh 3600 ingest
# SECONDS is a whole number, 1 or more, and comes first; TARGETs (default
# all) are listed below. Targets run two at a time (FUZZ_JOBS=2).
# -h or --help prints this; a bad argument exits 2 before anything is
# installed or built.
set -euo pipefail

all_targets=(bridge_frame ingest storage_key storage_value)

# The header above, and the targets; to stderr and exit 2 when `code` is 2.
usage() {
  local code=$1 fd=1
  [ "$code" = 0 ] || fd=2
  {
    sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'
    echo "targets: ${all_targets[*]}"
  } >&"$fd"
  exit "$code"
}
refuse() {
  echo "fuzz.sh: $*" >&2
  usage 2
}
is_target() {
  local t
  for t in "${all_targets[@]}"; do [ "$t" = "$1" ] && return 0; done
  return 1
}

for arg in "$@"; do
  case $arg in -h | --help) usage 0 ;; esac
done
seconds=60
if [ $# -gt 0 ]; then
  if ! [[ $1 =~ ^[0-9]+$ ]]; then
    if is_target "$1"; then
      refuse "'$1' is a TARGET, but SECONDS comes first: e.g. tools/fuzz.sh 60 $*"
    fi
    refuse "SECONDS '$1' is not a whole number of seconds: give e.g. 60 or 3600"
  fi
  seconds=$((10#$1))
  # libFuzzer takes -max_total_time=0 as "no limit".
  [ "$seconds" -ge 1 ] || refuse "SECONDS '$1' must be 1 or more (0 would never end)"
  shift
fi
targets=()
for t in "$@"; do
  is_target "$t" || refuse "TARGET '$t' is not a fuzz target: give some of ${all_targets[*]}"
  for seen in "${targets[@]}"; do
    # Both would use build-fuzz/fuzz-runs/$t/ at once.
    [ "$seen" != "$t" ] || refuse "TARGET '$t' is given twice: give each once"
  done
  targets+=("$t")
done
if [ ${#targets[@]} -eq 0 ]; then targets=("${all_targets[@]}"); fi
jobs=${FUZZ_JOBS:-2}
[[ $jobs =~ ^[1-9][0-9]*$ ]] ||
  refuse "FUZZ_JOBS='$jobs' must be a whole number of targets at once, 1 or more"
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
started=$SECONDS
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DPULSE_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j2 --target "${targets[@]/%/_fuzzer}"
built=$SECONDS

out=build-fuzz/fuzz-runs
rm -rf "$out"
mkdir -p "$out"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Runs one target; its log is $out/<target>.log, crash inputs land in
# $out/<target>/artifacts/.
run() {
  local t=$1 dir=$out/$1
  mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/tmp"
  cp -r tools/fuzz/corpus/"$t"/. "$dir/corpus/"
  local dict=()
  if [ -f "tools/fuzz/$t.dict" ]; then dict=(-dict="tools/fuzz/$t.dict"); fi
  # -timeout: one input taking over 10 s is a hang; the outer timeout stops
  # a fuzzer that does not stop itself.
  # TMPDIR: what a target keeps on disk (ingest's RocksDB) stays in $dir,
  # also when a crash skips its clean-up.
  TMPDIR=$dir/tmp timeout --signal=KILL $((seconds + 120)) \
    "build-fuzz/tools/fuzz/${t}_fuzzer" "$dir/corpus" "${dict[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$dir/artifacts/" -print_final_stats=1 \
    >"$out/$t.log" 2>&1
}

pids=()
names=()
status=0
for t in "${targets[@]}"; do
  run "$t" &
  pids+=($!)
  names+=("$t")
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || echo "fuzz.sh: ${names[0]} exited with $?" >&2
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
  fi
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || echo "fuzz.sh: ${names[$i]} exited with $?" >&2
done

# libFuzzer keeps an input that took over 10 s as a slow-unit-* artifact (or
# timeout-*, stopping). Two fuzzers at once have both kept one at the same
# second when the machine stalled, so a slow input counts only if it is slow
# again alone: it is replayed once, and kept as a failure if the replay fails
# or takes over 10 s again.
replay_slow_units() {
  local t=$1 a start ms
  for a in $(find "$out/$t/artifacts" -type f \( -name 'slow-unit-*' -o -name 'timeout-*' \)); do
    start=$(date +%s%N)
    if TMPDIR=$out/$t/tmp timeout --signal=KILL 60 \
      "build-fuzz/tools/fuzz/${t}_fuzzer" -timeout=10 "$a" \
      >"$a.replay.log" 2>&1; then
      ms=$((($(date +%s%N) - start) / 1000000))
      if [ "$ms" -lt 10000 ]; then
        echo "fuzz.sh: $t: $(basename "$a") was slow once but replays in ${ms} ms" \
          "(the machine stalled); not a failure" >&2
        rm -f "$a" "$a.replay.log"
        continue
      fi
    fi
    echo "fuzz.sh: $t: $(basename "$a") is slow again alone ($a.replay.log)" >&2
  done
}

for t in "${targets[@]}"; do
  log=$out/$t.log
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
  replay_slow_units "$t"
  artifacts=$(find "$out/$t/artifacts" -type f ! -name '*.replay.log')
  if [ -n "$artifacts" ] || [ -z "$runs" ]; then
    status=1
    echo "=== $t FAILED; the end of $log:" >&2
    tail -n 60 "$log" >&2
    for a in $artifacts; do
      echo "fuzz.sh: $t: input that failed: $a" >&2
      echo "  replay: build-fuzz/tools/fuzz/${t}_fuzzer $a" >&2
    done
  else
    echo "fuzz.sh: $t: ${runs} runs, ${rate} runs/s, peak RSS ${rss} MB, $(find "$out/$t/corpus" -type f | wc -l) corpus files"
  fi
done
echo "fuzz.sh: build $((built - started)) s, fuzzing $((SECONDS - built)) s"
exit "$status"
