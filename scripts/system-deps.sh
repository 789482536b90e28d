#!/usr/bin/env bash
# Installs Debian's Chromium (for Playwright) and CJK fonts (Korean UI text) when missing. Idempotent.
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "noto.*cjk"; then exit 0; fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
  echo "system-deps: /usr/bin/chromium is missing; run 'apt-get install -y chromium' as root" >&2; exit 1
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "system-deps: installing Debian's chromium"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
/usr/bin/chromium --version
