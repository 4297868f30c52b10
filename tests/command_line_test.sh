#!/usr/bin/env bash
# Every Pulse binary parses its command line the same way
# (server/command_line.h): --help and --version exit 0, --version names the
# binary and Pulse's version, an unknown flag exits 2 with Abseil's message,
# and so does an argument where only flags are taken.
# Usage: command_line_test.sh VERSION BINARY...
set -uo pipefail
version=$1
shift
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
for bin in "$@"; do
  name=$(basename "$bin")
  out=$("$bin" --help 2>&1)
  rc=$?
  [[ $rc == 0 ]] || fail "$name --help: exit $rc"
  [[ $out == *"Flags from "* ]] || fail "$name --help lists no flags: $out"
  out=$("$bin" --version 2>&1)
  rc=$?
  [[ $rc == 0 ]] || fail "$name --version: exit $rc"
  [[ $out == "$name $version" ]] || fail "$name --version printed '$out'"
  out=$("$bin" --no_such_flag 2>&1)
  rc=$?
  [[ $rc == 2 ]] || fail "$name --no_such_flag: exit $rc, want 2"
  [[ $out == *"Unknown command line flag 'no_such_flag'"* ]] ||
    fail "$name --no_such_flag printed '$out'"
  # Only pulse (commands) and pulse-bench (scenarios) take arguments; the
  # others refuse one ("--sync_writes false" would leave the flag on).
  case $name in pulse | pulse-bench) continue ;; esac
  out=$(timeout 10 "$bin" stray 2>&1)
  rc=$?
  [[ $rc == 2 ]] || fail "$name stray: exit $rc, want 2"
  [[ $out == *"unexpected argument 'stray'"* ]] ||
    fail "$name stray printed '$out'"
done
echo "$# binaries, $failures failures"
[[ $failures == 0 ]]
