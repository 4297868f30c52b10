#!/usr/bin/env bash
# The test command: installs what is needed, builds, runs every test, then
# fuzzes each target for 60 s and runs the suite again under ASan+UBSan and
# the concurrency tests under TSan (about an hour on 2 cores; README: Tests).
# Each test starts the servers it needs on loopback ports of its own.
#   tools/test.sh [CTEST_ARGS...]   e.g. tools/test.sh -L unit
# CTEST_ARGS go to the first ctest run only (the default build); the fuzzing
# and sanitizer stages run in full either way. -h or --help prints this.
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
bash tools/install-web-deps.sh
bash tools/build.sh
ctest --preset default -j2 "$@"
# And each fuzz target for 60 s (README: Fuzzing).
bash tools/fuzz.sh 60
# And the suite again under ASan+UBSan, then the concurrency tests under
# TSan, each in a build of its own (README: Sanitizers).
bash tools/sanitize.sh asan
bash tools/sanitize.sh tsan
