#!/usr/bin/env bash
# Sets up egov-audit on a fresh Debian machine: Chromium and fonts (for screenshots and rendering checks),
# PostgreSQL server binaries (tests of the scale-out path, with --dev), and a virtualenv in .venv.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dev=0
[ "${1:-}" = "--dev" ] && dev=1

need_apt=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/lib/chromium/chromium ] || need_apt+=(chromium)
[ -d /usr/share/fonts/truetype/liberation2 ] || need_apt+=(fonts-liberation2)
if [ "$dev" = 1 ] && ! command -v initdb >/dev/null 2>&1 && [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  need_apt+=(postgresql)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${need_apt[*]} from Debian" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install ${need_apt[*]} (Debian packages); continuing without them" >&2
  fi
fi

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
if [ "$dev" = 1 ]; then
  .venv/bin/pip install -q -e '.[dev]'
else
  .venv/bin/pip install -q -e .
fi
echo "setup: ready (.venv/bin/egov-audit)" >&2
