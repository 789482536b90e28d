#!/usr/bin/env bash
# Installs Debian's Chromium (for Playwright) when it is missing. Idempotent.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
  echo "system-deps: /usr/bin/chromium is missing; run 'apt-get install -y chromium' as root" >&2; exit 1
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "system-deps: installing Debian's chromium"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
