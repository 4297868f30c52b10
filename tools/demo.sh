#!/usr/bin/env bash
# The demo: installs, builds, and starts pulse-server, pulse-bridge (serving the
# dashboard) and pulse-loadgen feeding a simulated social network at a modest
# rate, then prints the dashboard's URL. Ctrl-C stops all three cleanly.
#
#   tools/demo.sh   (no arguments; -h or --help prints this)
# PULSE_LISTEN (127.0.0.1:50051), PULSE_BRIDGE_LISTEN (127.0.0.1:8080),
# PULSE_DATA_DIR (./pulse-data) and PULSE_RATE (200 engagements/s) override.
set -euo pipefail
# The header above; to stderr and exit 2 when `code` is 2.
usage() {
  local code=$1 fd=1
  [ "$code" = 0 ] || fd=2
  sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&"$fd"
  exit "$code"
}
for arg in "$@"; do
  case $arg in -h | --help) usage 0 ;; esac
done
if [ $# -gt 0 ]; then
  echo "demo.sh: unexpected argument '$1': the demo takes none; set" \
    "PULSE_LISTEN, PULSE_BRIDGE_LISTEN, PULSE_DATA_DIR or PULSE_RATE instead" >&2
  usage 2
fi
cd "$(dirname "$0")/.."
bash tools/install-web-deps.sh  # first: the build's configure step needs node
bash tools/build.sh

listen="${PULSE_LISTEN:-127.0.0.1:50051}"
bridge_listen="${PULSE_BRIDGE_LISTEN:-127.0.0.1:8080}"
data_dir="${PULSE_DATA_DIR:-./pulse-data}"
rate="${PULSE_RATE:-200}"
run_dir="$(mktemp -d)"

pids=()
stopping=0
stop_all() {
  [ "$stopping" = 1 ] && return
  stopping=1
  # Reverse start order: the feed first, the server last.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  rm -rf "$run_dir"
}
trap 'stop_all; exit 130' INT TERM
trap stop_all EXIT

# Waits up to 10 s for a --port_file, or fails naming the process.
wait_for_file() {
  for _ in $(seq 100); do
    [ -s "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || { echo "demo: $3 exited" >&2; exit 1; }
    sleep 0.1
  done
  echo "demo: $3 did not start" >&2
  exit 1
}

./build/server/pulse-server --listen="$listen" --data_dir="$data_dir" \
  --port_file="$run_dir/server.port" &
pids+=($!)
wait_for_file "$run_dir/server.port" "${pids[-1]}" pulse-server

./build/bridge/pulse-bridge --listen="$bridge_listen" --backend="$listen" \
  --web_root=clients/web --port_file="$run_dir/bridge.port" &
pids+=($!)
wait_for_file "$run_dir/bridge.port" "${pids[-1]}" pulse-bridge

cat >&2 <<MSG

  Pulse dashboard: http://${bridge_listen%:*}:$(cat "$run_dir/bridge.port")/
  pulse-server on $listen (data in $data_dir), pulse-loadgen at $rate engagements/s.
  Ctrl-C stops all three.

MSG
./build/tools/loadgen/pulse-loadgen --server="$listen" --rate="$rate" &
pids+=($!)

# Runs until Ctrl-C, or until one of the three exits on its own.
wait -n "${pids[@]}" || true
echo "demo: stopping" >&2
