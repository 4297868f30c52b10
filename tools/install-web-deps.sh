#!/usr/bin/env bash
# Installs what the browser dashboard and its test need: Debian's chromium
# (driven by playwright-core; no browser is ever downloaded) and the npm
# packages locked in clients/web/package-lock.json. Skips what is already
# there, so it is cheap to run before every test or demo.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# node and npm may come from elsewhere than Debian (e.g. NodeSource, which
# bundles npm); only when a command is missing is Debian's package installed.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-web-deps: installing ${missing[*]}" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
    install -y -q --no-install-recommends "${missing[@]}"
fi

# npm ci only when the lock file changed since the last install (npm keeps
# its own copy of the lock in node_modules/.package-lock.json).
web=clients/web
if [ ! -f "$web/node_modules/.package-lock.json" ] ||
   [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ] ||
   [ ! -d "$web/node_modules/uplot" ] || [ ! -d "$web/node_modules/playwright-core" ]; then
  echo "install-web-deps: npm ci in $web" >&2
  # PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: playwright-core downloads nothing, and
  # must not start to; the test uses /usr/bin/chromium.
  (cd "$web" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
