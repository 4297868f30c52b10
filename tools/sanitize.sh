#!/usr/bin/env bash
# Builds Pulse with sanitizers and runs tests under them (README: Sanitizers).
#   tools/sanitize.sh asan [ctest args]  the whole suite but the labels package
#                                        and bench, under ASan+UBSan (build-asan/)
#   tools/sanitize.sh tsan [ctest args]  the tests labelled concurrency, under
#                                        TSan (build-tsan/), against an
#                                        instrumented Abseil built from
#                                        Debian's source (build-tsan/absl/)
# Fails if a test fails or if any process wrote a sanitizer report. Reports go
# to build-<kind>/sanitizer-reports/ (the presets' log_path), not to stderr:
# the pulse-server children that e2e tests start log into temp dirs that the
# tests delete, and are mostly ended with SIGKILL, so their exit codes say
# nothing; the files are printed here at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:-}
case "$kind" in
  asan | tsan) ;;
  *) echo "usage: $0 asan|tsan [ctest args]" >&2; exit 2 ;;
esac
shift

bash tools/install-deps.sh
started=$SECONDS
if [ "$kind" = asan ]; then
  cmake --preset asan >/dev/null
else
  bash tools/sanitizers/absl-tsan.sh build-tsan/absl
  cmake --preset tsan -Dabsl_DIR="$PWD/build-tsan/absl/lib/cmake/absl" >/dev/null
fi
if [ "$kind" = asan ]; then
  targets=(all)
else
  # Only what `ctest -L concurrency` runs, about a third of the tree: the
  # tests declared with add_test are named after their targets; the gtest
  # cases of clients_client_test and store_recovery_test are listed only once
  # they are built.
  mapfile -t targets < <(ctest --preset tsan -N |
    sed -n 's/^ *Test *#[0-9]*: \([a-z0-9_]*_test\)$/\1/p')
  targets+=(clients_client_test store_recovery_test)
fi
cmake --build --preset "$kind" --target "${targets[@]}"
built=$SECONDS

reports=build-$kind/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
status=0
ctest --preset "$kind" -j2 "$@" || status=$?
tested=$SECONDS

if [ -n "$(ls -A "$reports")" ]; then
  for f in "$reports"/*; do
    echo "=== $f" >&2
    cat "$f" >&2
  done
  echo "sanitize.sh $kind: the sanitizer reports above ($reports)" >&2
  status=1
fi
echo "sanitize.sh $kind: build $((built - started)) s, tests $((tested - built)) s"
exit "$status"
