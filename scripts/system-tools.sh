#!/usr/bin/env bash
# The system programs the test suite drives: radclient (FreeRADIUS's client) for the RADIUS tests,
# Caddy for the edge tests, Chromium (through playwright-core) for the browser tests, and
# redis-server for tests that need a private Redis of their own. `npm test`
# runs this first: as root with apt it installs what is missing from Debian's packages; otherwise it
# stops at once with one message naming every missing tool and the command that installs it.
set -euo pipefail

chromium_bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
missing_tools=()
missing_pkgs=()
command -v radclient >/dev/null 2>&1 || { missing_tools+=(radclient); missing_pkgs+=(freeradius-utils); }
command -v caddy >/dev/null 2>&1 || { missing_tools+=(caddy); missing_pkgs+=(caddy); }
command -v redis-server >/dev/null 2>&1 || { missing_tools+=(redis-server); missing_pkgs+=(redis-server); }
[ -x "$chromium_bin" ] || { missing_tools+=("chromium ($chromium_bin)"); missing_pkgs+=(chromium); }
[ ${#missing_pkgs[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "npm test: installing ${missing_pkgs[*]} (needed by the tests) with apt-get" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_pkgs[@]}" >/dev/null
  # Debian's packages start a system Caddy (:80) and Redis where systemd runs; the tests start their own.
  systemctl stop caddy >/dev/null 2>&1 || true
  exit 0
fi

tools=$(IFS=,; echo "${missing_tools[*]}" | sed 's/,/, /g')
echo "npm test needs ${tools}, not found here. Install with: sudo apt-get install -y ${missing_pkgs[*]} (or set CHROMIUM_PATH to a Chromium binary)" >&2
exit 1
