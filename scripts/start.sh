#!/usr/bin/env bash
# Set up from a fresh clone and run the main job. A second run skips what the first did:
# the install when .venv is up to date (scripts/setup.sh), and the knowledge-base check
# when no file it reads changed since it last passed (stamp below; delete it to re-check).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# The digest covers every file of src/normwatch/data/ (the knowledge base, the rules, the
# channels) and the code that loads and checks them, src/normwatch/knowledge/: new checks
# must see old data. It is taken before the check, so a file edited while the check runs
# leaves a stamp that no longer matches, and the next start checks again.
check_stamp=.venv/normwatch-check.stamp
kb_digest="$(.venv/bin/python - <<'EOF'
import hashlib
from pathlib import Path

digest = hashlib.sha256()
for top in ("src/normwatch/data", "src/normwatch/knowledge"):
    for path in sorted(Path(top).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(f"{path.as_posix()}\0{path.stat().st_size}\0".encode())
            digest.update(path.read_bytes())
print(f"sha256:{digest.hexdigest()}")
EOF
)"
if [ -f "$check_stamp" ] && [ "$(cat "$check_stamp")" = "$kb_digest" ]; then
  echo "start: knowledge base unchanged since its last passing check: not checking again" >&2
else
  rm -f "$check_stamp"
  .venv/bin/normwatch check
  echo "$kb_digest" > "$check_stamp"
fi

# The main job: web UI, REST and TAXII API over the embedded store built from the
# knowledge base, in NORMWATCH_WORKERS processes (default 2), each with a response cache of
# NORMWATCH_RESPONSE_CACHE MiB (default 64; 0 turns it off). Extra arguments go to
# `normwatch serve` (e.g. --port 8080).
exec .venv/bin/normwatch serve --workers "${NORMWATCH_WORKERS:-2}" "$@"
