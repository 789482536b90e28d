#!/usr/bin/env bash
# Installs Debian's Chromium (for Playwright), CJK fonts (Korean UI text) and HAProxy (the production
# check, `make prod-check`) when missing. Idempotent.
set -euo pipefail
# No `grep -q` / `head` after a pipe: with pipefail the writer's SIGPIPE (exit 141) fails the step.
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -i "noto.*cjk" >/dev/null && [ -x /usr/sbin/haproxy ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
  echo "system-deps: run 'apt-get install -y chromium fonts-noto-cjk haproxy' as root" >&2; exit 1
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "system-deps: installing Debian's chromium, fonts-noto-cjk and haproxy"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk haproxy >/dev/null
/usr/bin/chromium --version
/usr/sbin/haproxy -v | sed -n 1p
