#!/usr/bin/env bash
# Builds the Abseil that libabsl-dev ships, from Debian's own source package
# (same version, same Debian patches), with -fsanitize=thread, and installs it
# under PREFIX (default build-tsan/absl). tools/sanitize.sh tsan links against
# it: absl::Mutex tells TSan about its locking only when Abseil itself is
# instrumented; against Debian's build every critical section looks
# unsynchronized. gRPC then loads this Abseil too (same sonames, already
# loaded), so its absl::Mutex use is seen as well. About 3 minutes on 2
# cores; skipped when PREFIX already holds this version.
#   tools/sanitizers/absl-tsan.sh [PREFIX]
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix=$(realpath -m "${1:-build-tsan/absl}")

version=$(dpkg-query -W -f='${source:Version}' libabsl-dev)
stamp=$prefix/.debian-version
if [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
# apt-get source needs deb-src entries: mirror the configured deb ones.
if ! apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null |
  grep -qx Sources; then
  echo "absl-tsan: adding deb-src entries for the configured Debian suites" >&2
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    case "$f" in *pulse-deb-src.sources) continue ;; esac
    sed 's/^Types: deb$/Types: deb-src/' "$f"
    echo
  done | $sudo tee /etc/apt/sources.list.d/pulse-deb-src.sources >/dev/null
  if [ -f /etc/apt/sources.list ]; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list |
      $sudo tee /etc/apt/sources.list.d/pulse-deb-src.list >/dev/null
  fi
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -q
fi
if ! command -v dpkg-source >/dev/null; then
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
    install -y -q dpkg-dev
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"  # apt fetches as the _apt user where it can
(cd "$work" && apt-get source -q "abseil=$version" >/dev/null)
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'abseil-*')
# Debian builds it as C++17 shared libraries (debian/rules); so do we.
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_STANDARD=17 -DBUILD_SHARED_LIBS=ON -DBUILD_TESTING=OFF \
  -DCMAKE_CXX_FLAGS=-fsanitize=thread -DABSL_PROPAGATE_CXX_STD=ON \
  -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread \
  -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
# Quiet unless it fails: gcc warns that TSan does not model Abseil's fences.
if ! cmake --build "$work/build" -j"$(nproc)" >"$work/build.log" 2>&1; then
  tail -n 50 "$work/build.log" >&2
  exit 1
fi
rm -rf "$prefix"
cmake --install "$work/build" >/dev/null
echo "$version" >"$stamp"
echo "absl-tsan: Abseil $version with -fsanitize=thread in $prefix" >&2
