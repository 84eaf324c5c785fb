#!/usr/bin/env bash
# Set up from a fresh clone and run the whole test suite (plus lint and type checks).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
bash scripts/browser.sh   # Debian's Chromium for the browser tests, poppler for the PDF render
export NORMWATCH_REQUIRE_POPPLER=1
# A real PostgreSQL server on loopback: the store tests run against it as well as SQLite.
bash scripts/postgres.sh >/dev/null
export NORMWATCH_REQUIRE_POSTGRES=1
.venv/bin/ruff check src tests
.venv/bin/mypy
.venv/bin/normwatch check
# one worker per core (NORMWATCH_TEST_WORKERS to choose; 0 runs in this process)
.venv/bin/python -m pytest -n "${NORMWATCH_TEST_WORKERS:-auto}" "$@"
