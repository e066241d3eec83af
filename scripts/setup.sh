#!/usr/bin/env bash
# Installs everything the project needs into .venv (idempotent; safe to run again).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
# The web app's browser libraries (CodeMirror, Chart.js, Cytoscape.js), served locally from webapp/node_modules.
if [ -f webapp/package.json ] && command -v npm >/dev/null 2>&1; then
  if [ -f webapp/package-lock.json ]; then
    npm ci --prefix webapp --no-audit --no-fund --loglevel=error
  else
    npm install --prefix webapp --no-audit --no-fund --loglevel=error
  fi
fi
# The browser tests (tests/test_webapp_browser.py) drive Debian's chromium: installed only when asked for.
if [ "${KG_BROWSER_TESTS:-}" = "1" ] && [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q chromium
fi
