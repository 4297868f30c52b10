#!/usr/bin/env bash
# Configures and builds Pulse (RelWithDebInfo, ccache) into ./build.
#   tools/build.sh [BUILD_ARGS...]   e.g. tools/build.sh --target pulse-server
# BUILD_ARGS go to `cmake --build --preset default`. -h or --help prints this.
set -euo pipefail
for arg in "$@"; do
  case $arg in
    -h | --help)
      sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
  esac
done
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default "$@"
