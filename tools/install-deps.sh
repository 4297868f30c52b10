#!/usr/bin/env bash
# Installs Pulse's build and test dependencies from Debian's packages.
# Skips apt entirely when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev librocksdb-dev libgtest-dev libgmock-dev libbenchmark-dev
  libwebsocketpp-dev libboost-dev libasio-dev
  libgoogle-perftools-dev  # tcmalloc, the allocator of pulse-server and pulse-bridge
  clang libclang-rt-14-dev
  libasan8 libubsan1 libtsan2  # gcc's sanitizer runtimes (tools/sanitize.sh)
  file     # cpack's shared-library dependencies of the .deb (package_deb)
  openssl  # the TLS tests' certificates (tests/test_certs.cc)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
# A freshly booted machine's apt-daily may hold dpkg's lock for a while: wait
# for it rather than fail. (env: sudo would drop DEBIAN_FRONTEND.)
$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q
$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
  install -y -q --no-install-recommends "${missing[@]}"
