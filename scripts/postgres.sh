#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for the tests; idempotent.
#
#   bash scripts/postgres.sh          # install Debian's postgresql if missing, start, print the URL
#   bash scripts/postgres.sh stop     # stop it (the data folder stays; delete it to start afresh)
#
# The last line on stdout is the database URL, e.g.
#   postgresql://normwatch@127.0.0.1:54329/normwatch_test
# Settings: NORMWATCH_PG_PORT (54329), NORMWATCH_PG_DIR ($TMPDIR/normwatch-pg).
# Authentication is "trust" and the server listens on loopback only: tests, never production.
set -euo pipefail

PORT="${NORMWATCH_PG_PORT:-54329}"
DIR="${NORMWATCH_PG_DIR:-${TMPDIR:-/tmp}/normwatch-pg}"
DATA="$DIR/data"
DB=normwatch_test
ROLE=normwatch

find_bin() {
  local found=""
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] && found="$d"
  done
  echo "$found"
}

BIN="$(find_bin)"
if [ -z "$BIN" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "postgres.sh: installing Debian's postgresql" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo "postgres.sh: installing Debian's postgresql (sudo)" >&2
    sudo apt-get update -qq >&2
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  else
    echo "postgres.sh: PostgreSQL is not installed and cannot be installed here (needs root or sudo, and apt-get)" >&2
    exit 1
  fi
  BIN="$(find_bin)"
  [ -n "$BIN" ] || { echo "postgres.sh: no pg_ctl after installing postgresql" >&2; exit 1; }
fi

# initdb and the server refuse to run as root: run them as the postgres user then.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ "${1:-start}" = "stop" ]; then
  if [ -f "$DATA/PG_VERSION" ]; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop >&2 || true
  fi
  exit 0
fi

mkdir -p "$DIR"
if [ "$(id -u)" = 0 ]; then
  chown postgres "$DIR"
fi
if [ ! -f "$DATA/PG_VERSION" ]; then
  as_owner "$BIN/initdb" -D "$DATA" -U "$ROLE" -A trust -E UTF8 --no-sync >&2
fi
if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $PORT -k $DIR -c fsync=off -c full_page_writes=off -c max_connections=100" start >&2 \
    || { echo "postgres.sh: the server did not start; see $DIR/server.log" >&2; tail -5 "$DIR/server.log" >&2 || true; exit 1; }
fi
PSQL=("$BIN/psql" -h 127.0.0.1 -p "$PORT" -U "$ROLE" -X -q -t -A)
if [ "$(as_owner "${PSQL[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
  as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U "$ROLE" "$DB"
fi
echo "postgresql://$ROLE@127.0.0.1:$PORT/$DB"
