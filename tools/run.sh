#!/usr/bin/env bash
# The run command: installs, builds, starts pulse-server on 127.0.0.1:50051
# with a fresh data dir and ingests a sample data set. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh

listen="${PULSE_LISTEN:-127.0.0.1:50051}"
data_dir="${PULSE_DATA_DIR:-./pulse-data}"
./build/server/pulse-server --listen="$listen" --data_dir="$data_dir" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server' INT TERM EXIT

for _ in $(seq 100); do
  ./build/clients/pulse --server="$listen" global >/dev/null 2>&1 && break
  sleep 0.1
done
./build/clients/pulse --server="$listen" ingest tools/sample.jsonl
echo
./build/clients/pulse --server="$listen" top --window=1h
echo
echo "pulse-server is serving on $listen (data in $data_dir). Try:"
echo "  ./build/clients/pulse --server=$listen stats p1"
echo "  grpcurl -plaintext $listen list"
echo "Ctrl-C stops it."
wait $server
