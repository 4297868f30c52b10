#!/usr/bin/env bash
# The test command: installs what is needed, builds, runs every test.
# Each test starts the servers it needs on loopback ports of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-web-deps.sh
bash tools/build.sh
ctest --preset default -j2 "$@"
# And each fuzz target for 60 s (README: Fuzzing).
bash tools/fuzz.sh 60
# And the suite again under ASan+UBSan, then the concurrency tests under
# TSan, each in a build of its own (README: Sanitizers).
bash tools/sanitize.sh asan
bash tools/sanitize.sh tsan
