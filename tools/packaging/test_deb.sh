#!/usr/bin/env bash
# Builds the .deb with cpack and checks what it holds; then, as root with
# dpkg, installs it, runs the installed binaries, verifies the systemd units,
# removes it and checks that the binaries went with it.
# Usage: test_deb.sh BUILD_DIR (ctest runs it as package_deb).
set -euo pipefail

build=$(cd "${1:?usage: test_deb.sh BUILD_DIR}" && pwd)
tmp=$(mktemp -d)
installed=0
bridge_pid=""

cleanup() {
  if [ -n "$bridge_pid" ]; then kill "$bridge_pid" 2>/dev/null || true; fi
  # Purge (not only remove) so that no conffile outlives the test either.
  if [ "$installed" = 1 ] && [ "$(package_state)" != not-installed ]; then
    dpkg --purge pulse >/dev/null || echo "test_deb: could not purge pulse" >&2
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "test_deb: FAIL: $*" >&2
  exit 1
}

# installed, config-files, ..., or not-installed (also when dpkg never heard of it).
package_state() {
  local s
  s=$(dpkg-query -W -f='${db:Status-Status}' pulse 2>/dev/null || true)
  echo "${s:-not-installed}"
}

echo "== cpack -G DEB"
# cpack builds what is out of date first (the preinstall target).
if ! (cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" \
        >"$tmp/cpack.log" 2>&1); then
  cat "$tmp/cpack.log" >&2
  fail "cpack failed"
fi
shopt -s nullglob
debs=("$tmp"/out/pulse_*.deb)
[ ${#debs[@]} -eq 1 ] || fail "expected one pulse_*.deb, found: ${debs[*]:-none}"
deb=${debs[0]}
echo "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"

echo "== dpkg-deb -c / -f"
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$tmp/files"
for f in /usr/bin/pulse-server /usr/bin/pulse-bridge /usr/bin/pulse /usr/bin/pulse-loadgen \
         /usr/lib/systemd/system/pulse-server.service \
         /usr/lib/systemd/system/pulse-bridge.service \
         /etc/pulse/pulse-server.flags /etc/pulse/pulse-bridge.flags \
         /usr/share/pulse/web/index.html /usr/share/pulse/web/js/main.js \
         /usr/share/pulse/web/node_modules/uplot/dist/uPlot.esm.js \
         /usr/share/pulse/web/node_modules/uplot/dist/uPlot.min.css; do
  grep -qxF "$f" "$tmp/files" || fail "$f is not in the package"
done
# Tests, benchmarks, the dashboard's test tooling and npm metadata stay out.
if grep -E '_test$|/pulse-bench$|/pulse-microbench$|/crashtest$|playwright|/package(-lock)?\.json$|/web/test/' \
     "$tmp/files"; then
  fail "the package holds files it must not (above)"
fi

[ "$(dpkg-deb -f "$deb" Package)" = pulse ] || fail "Package is not pulse"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for lib in libc6 libgrpc++1.51 libprotobuf; do
  [[ "$depends" == *"$lib"* ]] || fail "Depends lacks $lib (dpkg-shlibdeps)"
done

dpkg-deb -e "$deb" "$tmp/control"
diff <(sort "$tmp/control/conffiles") <(grep '^/etc/' "$tmp/files" | grep -v '/$' | sort) ||
  fail "conffiles does not list exactly the files under /etc"
dpkg-deb -x "$deb" "$tmp/root"
grep -qx 'ExecStart=/usr/bin/pulse-server --flagfile=/etc/pulse/pulse-server.flags' \
  "$tmp/root/usr/lib/systemd/system/pulse-server.service" || fail "pulse-server.service ExecStart"
grep -qx -- '--web_root=/usr/share/pulse/web' "$tmp/root/etc/pulse/pulse-bridge.flags" ||
  fail "pulse-bridge.flags --web_root"

if [ "$(id -u)" -ne 0 ] || ! command -v dpkg >/dev/null; then
  echo "== not root, or no dpkg: the package's contents are checked, install skipped"
  exit 0
fi
if [ "$(package_state)" != not-installed ]; then
  echo "== a pulse package is already on this machine ($(package_state)): left alone, install skipped"
  exit 0
fi

echo "== dpkg -i"
installed=1
DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 ||
  { cat "$tmp/dpkg.log" >&2; fail "dpkg -i failed"; }
[ "$(package_state)" = installed ] || fail "pulse is $(package_state) after dpkg -i"

echo "== /usr/bin/pulse-server --help"
# Abseil's --help exits 1 after printing; a missing library would exit 127.
rc=0
/usr/bin/pulse-server --help >"$tmp/help" 2>&1 || rc=$?
[ "$rc" -le 1 ] || { cat "$tmp/help" >&2; fail "pulse-server --help exited $rc"; }
grep -q -- '--data_dir' "$tmp/help" || { cat "$tmp/help" >&2; fail "--help does not mention --data_dir"; }
for b in pulse-bridge pulse pulse-loadgen; do
  rc=0
  "/usr/bin/$b" --help >"$tmp/help" 2>&1 || rc=$?
  [ "$rc" -le 1 ] || { cat "$tmp/help" >&2; fail "$b --help exited $rc"; }
done

echo "== pulse-bridge with /etc/pulse/pulse-bridge.flags serves the installed dashboard"
# Later flags override the file's; no pulse-server is needed for static files.
/usr/bin/pulse-bridge --flagfile=/etc/pulse/pulse-bridge.flags --listen=127.0.0.1:0 \
  --port_file="$tmp/bridge.port" >"$tmp/bridge.log" 2>&1 &
bridge_pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/bridge.port" ] && break
  kill -0 "$bridge_pid" 2>/dev/null || { cat "$tmp/bridge.log" >&2; fail "pulse-bridge exited"; }
  sleep 0.1
done
port=$(head -n1 "$tmp/bridge.port" 2>/dev/null || true)
[ -n "$port" ] || { cat "$tmp/bridge.log" >&2; fail "pulse-bridge wrote no port"; }
for path in / /node_modules/uplot/dist/uPlot.esm.js; do
  status=$(exec 3<>"/dev/tcp/127.0.0.1/$port" &&
           printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3 &&
           head -n1 <&3 | tr -d '\r') || true
  [[ "$status" == *" 200 "* ]] || fail "GET $path: '$status'"
done
kill "$bridge_pid"
wait "$bridge_pid" 2>/dev/null || true
bridge_pid=""

if command -v systemd-analyze >/dev/null; then
  echo "== systemd-analyze verify"
  systemd-analyze verify /usr/lib/systemd/system/pulse-server.service \
    /usr/lib/systemd/system/pulse-bridge.service || fail "systemd-analyze verify"
else
  echo "== no systemd-analyze on this machine: units not verified"
fi

echo "== dpkg -r pulse"
dpkg -r pulse >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg -r failed"; }
for b in pulse-server pulse-bridge pulse pulse-loadgen; do
  [ ! -e "/usr/bin/$b" ] || fail "/usr/bin/$b is still there after dpkg -r"
done
[ ! -e /usr/share/pulse/web/index.html ] || fail "the dashboard is still there after dpkg -r"
[ ! -e /usr/lib/systemd/system/pulse-server.service ] || fail "the unit is still there after dpkg -r"
dpkg --purge pulse >/dev/null
installed=0
echo "PASS"
