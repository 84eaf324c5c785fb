#!/usr/bin/env bash
# Set up from a fresh clone and run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/normwatch check
# The main job: web UI, REST and TAXII API over the embedded store built from the
# knowledge base, in NORMWATCH_WORKERS processes (default 2). Extra arguments go to
# `normwatch serve` (e.g. --port 8080).
exec .venv/bin/normwatch serve --workers "${NORMWATCH_WORKERS:-2}" "$@"
