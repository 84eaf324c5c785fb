#!/usr/bin/env bash
# Install what the browser tests (tests/test_browser.py) need, idempotently:
#  - Debian's chromium at /usr/bin/chromium (Playwright drives it through executable_path;
#    Playwright's own browser download is never used, so `playwright install` is not run);
#  - Playwright for Python in .venv, when .venv exists (scripts/setup.sh dev installs it too);
#  - poppler-utils (pdftoppm), which the report tests use to render a PDF page to an image.
# Usage: bash scripts/browser.sh     (as root, or as a user with sudo)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x /usr/bin/chromium ] && command -v pdftoppm >/dev/null 2>&1; then
  echo "chromium: already installed at /usr/bin/chromium; pdftoppm: installed"
else
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: apt-get not found; install Chromium so that /usr/bin/chromium exists" >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "error: run as root or install sudo" >&2; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q chromium poppler-utils
  [ -x /usr/bin/chromium ] || { echo "error: chromium installed but /usr/bin/chromium is missing" >&2; exit 1; }
  command -v pdftoppm >/dev/null 2>&1 || { echo "error: poppler-utils installed but pdftoppm is missing" >&2; exit 1; }
  echo "chromium: installed at /usr/bin/chromium; pdftoppm: installed"
fi

if [ -x .venv/bin/python ] && ! .venv/bin/python -c "import playwright" >/dev/null 2>&1; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 .venv/bin/python -m pip install --quiet "playwright>=1.40"
  echo "playwright: installed into .venv"
fi
