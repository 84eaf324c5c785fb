#!/usr/bin/env bash
# Set up from a fresh clone and run the whole test suite (plus lint and type checks).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
.venv/bin/ruff check src tests
.venv/bin/mypy
.venv/bin/normwatch check
.venv/bin/python -m pytest "$@"
