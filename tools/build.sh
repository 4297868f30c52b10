#!/usr/bin/env bash
# Configures and builds Pulse (RelWithDebInfo, ccache) into ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default "$@"
