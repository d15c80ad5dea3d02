#!/usr/bin/env bash
# Starts a throw-away PostgreSQL 15 for the integration tests on 127.0.0.1. Idempotent: when the
# server under the state dir already answers, it only reprints the env file. Test settings trade
# durability for speed (fsync off): nothing here is worth keeping, stop.sh deletes it all.
#
#   HEAVYSYNC_TEST_DIR              base state dir (default /tmp/heavysync-test); ours is $it/postgres
#   HEAVYSYNC_TEST_POSTGRES_PORT    port (default: first free from 15432)
#   HEAVYSYNC_TEST_POSTGRES_OPTIONS extra server options, after the defaults so they win
#                                   (e.g. "-c fsync=on" for a benchmark closer to production)
#
# Writes $HEAVYSYNC_TEST_DIR/postgres/env (sourceable) with HEAVYSYNC_TEST_POSTGRES_URL, a
# postgres:// URL of a superuser-owned database "heavysync" (tests create their own databases).
set -euo pipefail

BASE="${HEAVYSYNC_TEST_DIR:-/tmp/heavysync-test}"
DIR="$BASE/postgres"
DATA="$DIR/data"
ENV_FILE="$DIR/env"
LOG="$DIR/server.log"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
# Fixed test-only password: it protects nothing (loopback, throw-away cluster).
USER_NAME=heavysync
PASSWORD=heavysync-test

log() { printf '%s postgres/start: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; [ -f "$LOG" ] && tail -n 20 "$LOG" >&2; exit 1; }

[ -n "$BIN" ] && [ -x "$BIN/postgres" ] || die "PostgreSQL binaries not found under /usr/lib/postgresql (run scripts/install-test-deps.sh)"

mkdir -p "$BASE"
exec 9>"$BASE/.postgres.lock"
flock -w 120 9 || die "another start.sh holds $BASE/.postgres.lock"

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ -f "$ENV_FILE" ] && [ -f "$DATA/postmaster.pid" ]; then
  port=$(sed -n 's/^HEAVYSYNC_TEST_POSTGRES_PORT=//p' "$ENV_FILE")
  if [ -n "$port" ] && "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    cat "$ENV_FILE"
    exit 0
  fi
fi

free_port() {
  local port=$1
  while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

"$(dirname "${BASH_SOURCE[0]}")/stop.sh" >/dev/null 2>&1 || true
mkdir -p "$DIR"
[ "$(id -u)" -eq 0 ] && chown postgres: "$DIR"
port="${HEAVYSYNC_TEST_POSTGRES_PORT:-$(free_port 15432)}"

pwfile="$DIR/pw"
as_postgres sh -c "umask 077; printf '%s\n' '$PASSWORD' > '$pwfile'"
as_postgres "$BIN/initdb" -D "$DATA" -U "$USER_NAME" --pwfile="$pwfile" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
rm -f "$pwfile"

as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 30 start -o "-c listen_addresses=127.0.0.1 -p $port -k $DIR \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
  -c shared_buffers=128MB ${HEAVYSYNC_TEST_POSTGRES_OPTIONS:-}" >/dev/null 9>&- || die "server did not start"

PGPASSWORD="$PASSWORD" "$BIN/psql" -q -h 127.0.0.1 -p "$port" -U "$USER_NAME" -d postgres -c "CREATE DATABASE heavysync" >/dev/null \
  || die "could not create the heavysync database"

cat >"$ENV_FILE" <<ENV
HEAVYSYNC_TEST_POSTGRES_URL=postgres://$USER_NAME:$PASSWORD@127.0.0.1:$port/heavysync
HEAVYSYNC_TEST_POSTGRES_PORT=$port
ENV
log "ready on 127.0.0.1:$port"
cat "$ENV_FILE"
