#!/usr/bin/env bash
# pulse-soak, crashtest and pulse-bench refuse a run that cannot be right at
# once, before they start a server: exit 2, one line per flag out of range
# naming the flag and its value on stderr, nothing on stdout (no empty
# pulse-bench table). Each run is bounded: one that starts for real fails.
# Usage: flag_values_test.sh PULSE_SOAK CRASHTEST PULSE_BENCH
set -uo pipefail
soak=$1
crashtest=$2
bench=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# refused BINARY ARGS... -- MESSAGE...: exit 2, nothing on stdout, and on
# stderr one "BINARY: ..." line per MESSAGE, holding it.
refused() {
  local bin=$1 args=() want=()
  shift
  while [[ $1 != -- ]]; do
    args+=("$1")
    shift
  done
  shift
  want=("$@")
  local what
  what="$(basename "$bin") ${args[*]}"
  local out err rc
  timeout 20 "$bin" "${args[@]}" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
  [[ $rc == 2 ]] || fail "$what: exit $rc, want 2 ($err)"
  [[ -z $out ]] || fail "$what printed on stdout: $out"
  local w
  for w in "${want[@]}"; do
    [[ $err == *"$w"* ]] || fail "$what said no '$w': $err"
  done
  local said
  said=$(printf '%s\n' "$err" | grep -c "^$(basename "$bin"): ")
  [[ $said == "${#want[@]}" ]] ||
    fail "$what: $said messages, want ${#want[@]}: $err"
}

# pulse-soak: a run too short to judge is refused at start, unless it is not
# judged (--nocheck).
refused "$soak" --duration=1m -- \
  "--duration=1m is too short to judge with --warmup=1m and --interval=10s: \
the checks need two samples after the warm-up; give --duration of at least \
1m10s (or --nocheck)"
refused "$soak" --duration=75s --warmup=65s -- "at least 1m20s"
refused "$soak" --duration=1m --nocheck --rate=0 -- \
  "--rate=0: must be more than 0 engagements/s"
# One message per condition that fails.
refused "$soak" --tick=0 --interval=-1s --warmup=-2s -- \
  "--tick=0: must be more than 0s" "--interval=-1s: must be more than 0s" \
  "--warmup=-2s: must not be negative"
refused "$soak" --duration=5s -- \
  "--duration=5s must be at least --interval=10s"
# Fewer clients than the default 100 markers: the markers follow them.
refused "$soak" --clients=10 --posts=0 -- "--posts=0: must be at least 1"
refused "$soak" --clients=10 --markers=20 -- \
  "--markers=20 must be at most --clients=10"
refused "$soak" --markers=0 -- "--markers=0: must be at least 1"
refused "$soak" --server=127.0.0.1:1 --format=csv -- \
  "--server=127.0.0.1:1 without --bridge" \
  "--format=csv: must be table, json or both"

refused "$crashtest" --rounds=-1 -- "--rounds=-1: must be at least 1"
refused "$crashtest" --rounds=0 --batch_size=0 --max_delay_ms=-1 -- \
  "--rounds=0: must be at least 1" "--batch_size=0: must be at least 1" \
  "--max_delay_ms=-1: must not be negative"

# pulse-bench: the command and every flag are checked before any scenario.
refused "$bench" -- "no command"
refused "$bench" ingest query -- "more than one command"
refused "$bench" nope -- "unknown command 'nope'"
refused "$bench" --query_rpcs=Nope query -- \
  "--query_rpcs=Nope: no RPC 'Nope' in the query scenario"
refused "$bench" --query_rpcs=GetPostStats,Nope all -- \
  "--query_rpcs=GetPostStats,Nope: no RPC 'Nope'"
refused "$bench" --posts=-5 ingest -- "--posts=-5: must be at least 1"
refused "$bench" --ingest_engagements=0 ingest -- \
  "--ingest_engagements=0: must be at least 1"
refused "$bench" --ingest_streams=0 ingest -- \
  "--ingest_streams=0: must be 1 to 64"
refused "$bench" --query_preload=-1 query -- \
  "--query_preload=-1: must be at least 0"
refused "$bench" --query_duration=-1s --query_settle=-1s query -- \
  "--query_duration=-1s: must be more than 0s" \
  "--query_settle=-1s: must be 0s (measures at once) or more"
refused "$bench" --query_concurrency=1,0 query -- \
  "--query_concurrency=1,0: '0' must be a count from 1 to 10000"
refused "$bench" --fanout_rate=0 --fanout_batch=0 --fanout_duration=0 fanout -- \
  "--fanout_rate=0: must be more than 0 engagements/s" \
  "--fanout_batch=0: must be 1 to 10000" \
  "--fanout_duration=0: must be more than 0s"
refused "$bench" --fanout_clients=x --fanout_client_threads=65 fanout -- \
  "--fanout_clients=x: 'x' must be a count of at least 1" \
  "--fanout_client_threads=65: must be 1 to 64"
refused "$bench" --storage_engagements=0 --runs=0 storage -- \
  "--storage_engagements=0: must be at least 1" "--runs=0: must be 1 to 100"

echo "$failures failures"
[[ $failures == 0 ]]
