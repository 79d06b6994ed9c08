#!/usr/bin/env bash
# Browser tests drive Debian's Chromium: Playwright cannot download its own browser here.
set -euo pipefail
if [[ -n "${SMNB_CHROMIUM:-}" && -x "${SMNB_CHROMIUM}" ]] || command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    echo "make test: installing Debian's chromium for the browser tests (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    command -v chromium >/dev/null 2>&1 && exit 0
fi
echo "make test: Chromium is missing. Install it (Debian: 'sudo apt-get install chromium')," \
     "or set SMNB_CHROMIUM=/path/to/chromium." >&2
exit 1
