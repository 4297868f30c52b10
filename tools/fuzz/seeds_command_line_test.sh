#!/usr/bin/env bash
# pulse_fuzz_seeds takes no flags: --help answers, another flag is refused
# (exit 2), and neither becomes a corpus folder in the working directory.
# Usage: seeds_command_line_test.sh PULSE_FUZZ_SEEDS
set -u
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
"$bin" --help | grep -q '^usage:' || { echo "FAIL: --help printed no usage"; exit 1; }
"$bin" --bogus 2>/dev/null
rc=$?
[[ $rc == 2 ]] || { echo "FAIL: --bogus: exit $rc, want 2"; exit 1; }
left=$(ls -A)
[[ -z $left ]] || { echo "FAIL: left behind: $left"; exit 1; }
echo ok
