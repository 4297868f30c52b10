#!/usr/bin/env bash
# tools/fuzz.sh, test.sh, demo.sh and build.sh check their arguments before
# they install or build anything: -h and --help print the usage on stdout
# (exit 0), a bad argument exits 2 saying what is wrong, with the usage on
# stderr, and the arguments each takes still get through. The scripts run
# from a copy of tools/ whose install steps, cmake and ctest are stand-ins
# that note they were reached and fail, so nothing is installed or built.
# Usage: scripts_command_line_test.sh SOURCE_DIR
set -uo pipefail
src=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/tools" "$root/bin"
cp "$src"/tools/{fuzz,test,demo,build}.sh "$root/tools/"
stand_in() {
  printf '#!/bin/sh\necho %s >>"%s/reached"\nexit 1\n' "$(basename "$1")" \
    "$root" >"$1"
  chmod +x "$1"
}
for f in install-deps.sh install-web-deps.sh sanitize.sh; do
  stand_in "$root/tools/$f"
done
for f in cmake ctest clang clang++ apt-get sudo; do stand_in "$root/bin/$f"; done
export PATH="$root/bin:$PATH"

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# run SCRIPT ARGS...: sets rc, out, err and reached (the first stand-in run,
# or empty). From / so that the scripts find their files by their own path.
run() {
  local script=$1
  shift
  rm -f "$root/reached"
  out=$(cd / && bash "$root/tools/$script" "$@" 2>"$root/err")
  rc=$?
  err=$(cat "$root/err")
  reached=$(head -n 1 "$root/reached" 2>/dev/null)
}

# help SCRIPT ARGS... USAGE_TEXT: exit 0, USAGE_TEXT on stdout, nothing run.
help() {
  local want=${*: -1} what="${*:1:$#-1}"
  run "${@:1:$#-1}"
  [[ $rc == 0 ]] || fail "$what: exit $rc, want 0 ($err)"
  [[ $out == *"$want"* ]] || fail "$what printed no '$want' on stdout: $out"
  [[ -z $reached ]] || fail "$what ran $reached"
}

# refused SCRIPT ARGS... MESSAGE: exit 2, MESSAGE and the usage on stderr,
# nothing on stdout, nothing run.
refused() {
  local want=${*: -1} what="${*:1:$#-1}"
  run "${@:1:$#-1}"
  [[ $rc == 2 ]] || fail "$what: exit $rc, want 2 ($err)"
  [[ $err == *"$want"* ]] || fail "$what said no '$want': $err"
  [[ $err == *"tools/${what%% *}"* ]] || fail "$what printed no usage: $err"
  [[ -z $out ]] || fail "$what printed on stdout: $out"
  [[ -z $reached ]] || fail "$what ran $reached"
}

# taken SCRIPT ARGS... FIRST_STEP: the arguments are taken, and the script
# goes on to FIRST_STEP (a stand-in, which fails: exit 1).
taken() {
  local want=${*: -1} what="${*:1:$#-1}"
  run "${@:1:$#-1}"
  [[ $reached == "$want" ]] ||
    fail "$what: reached '$reached', want '$want' (exit $rc: $err)"
}

help fuzz.sh --help 'tools/fuzz.sh [SECONDS] [TARGET...]'
help fuzz.sh -h 'targets: bridge_frame ingest storage_key storage_value'
help fuzz.sh 60 ingest --help 'tools/fuzz.sh [SECONDS] [TARGET...]'
refused fuzz.sh ingest "'ingest' is a TARGET, but SECONDS comes first"
refused fuzz.sh 1m "SECONDS '1m' is not a whole number of seconds"
refused fuzz.sh -5 "SECONDS '-5' is not a whole number of seconds"
refused fuzz.sh 0 "SECONDS '0' must be 1 or more"
refused fuzz.sh 60 nope "TARGET 'nope' is not a fuzz target"
refused fuzz.sh 60 ingest ingest "TARGET 'ingest' is given twice"
FUZZ_JOBS=two refused fuzz.sh 60 "FUZZ_JOBS='two'"
taken fuzz.sh install-deps.sh
taken fuzz.sh 5 ingest storage_key install-deps.sh
taken fuzz.sh 08 install-deps.sh

help test.sh --help 'tools/test.sh [CTEST_ARGS...]'
help test.sh -R store -h 'CTEST_ARGS go to the first ctest run only'
taken test.sh install-web-deps.sh
taken test.sh -L unit install-web-deps.sh

help demo.sh --help 'PULSE_RATE (200 engagements/s)'
refused demo.sh stray "unexpected argument 'stray'"
taken demo.sh install-web-deps.sh

help build.sh --help 'tools/build.sh [BUILD_ARGS...]'
taken build.sh install-deps.sh
taken build.sh --target pulse-server install-deps.sh

# Run by a relative path from its own directory, --help still finds the text.
out=$(cd "$root/tools" && bash ./fuzz.sh --help 2>&1)
[[ $out == *'tools/fuzz.sh [SECONDS]'* ]] || fail "./fuzz.sh --help: $out"

echo "$failures failures"
[[ $failures == 0 ]]
