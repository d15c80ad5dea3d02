#!/usr/bin/env bash
# Stops the test PostgreSQL started by start.sh and deletes its data. Safe when nothing runs.
set -euo pipefail

BASE="${HEAVYSYNC_TEST_DIR:-/tmp/heavysync-test}"
DIR="$BASE/postgres"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"

if [ -f "$DIR/data/postmaster.pid" ] && [ -n "$BIN" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
  else
    "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
  fi
fi
rm -rf "$DIR"
