#!/usr/bin/env bash
# Create .venv (once) and install normwatch into it. Usage: scripts/setup.sh [dev]
#
# The install is skipped when .venv already holds it: a stamp in .venv records the installed
# normwatch's version and a digest of pyproject.toml after each successful install. The
# install is editable, so edits under src/ need no reinstall; pyproject.toml is what pip reads.
# Delete the stamp (or .venv) to force a reinstall.
set -euo pipefail
cd "$(dirname "$0")/.."

# A system Python is looked for only to create .venv: launchers such as pyenv's shims take
# a good part of a second, which a second start should not pay.
if [ ! -x .venv/bin/python ]; then
  PYTHON="${PYTHON:-}"
  if [ -z "$PYTHON" ]; then
    for candidate in python3.11 python3.12 python3.13 python3; do
      if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
    done
  fi
  [ -n "$PYTHON" ] || { echo "error: no python3 found; install Python 3.11 or newer" >&2; exit 1; }
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    || { echo "error: $PYTHON is older than 3.11" >&2; exit 1; }
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || { echo "error: .venv has a Python older than 3.11; delete .venv and run again" >&2; exit 1; }
extras=""
[ "${1:-}" = "dev" ] && extras="[dev]"

# One stamp per extra: a plain install must not let a later `setup.sh dev` skip the dev tools.
stamp_of() { echo ".venv/normwatch-install${1:+-dev}.stamp"; }

# What the stamp compares: the version pip last installed (none: normwatch is not in .venv)
# and the bytes of pyproject.toml.
install_key() {
  .venv/bin/python - <<'EOF'
import hashlib
import importlib.metadata
from pathlib import Path

try:
    version = importlib.metadata.version("normwatch")
except importlib.metadata.PackageNotFoundError:
    version = "none"
print(f"normwatch {version} pyproject.toml sha256:{hashlib.sha256(Path('pyproject.toml').read_bytes()).hexdigest()}")
EOF
}

# Byte-compile the package's sources (a no-op when up to date, 0.1 s): the install is
# editable, and where PYTHONDONTWRITEBYTECODE is set every command would compile them again,
# a third of a cold `normwatch assess`.
compile_sources() { .venv/bin/python -m compileall -q src/normwatch >/dev/null; }

stamp="$(stamp_of "$extras")"
key="$(install_key)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] && [[ "$key" != "normwatch none "* ]]; then
  echo "setup: .venv is up to date (${key%% pyproject*}, pyproject.toml unchanged): no pip install" >&2
  compile_sources
  exit 0
fi
# a stale stamp must not outlive an install that fails half-way
rm -f "$(stamp_of "")" "$(stamp_of "[dev]")"
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e ".${extras}"
key="$(install_key)"
echo "$key" > "$stamp"
# the dev install includes the plain one
[ -z "$extras" ] || echo "$key" > "$(stamp_of "")"
compile_sources
