#!/usr/bin/env bash
# Stops the storage emulator start.sh started and removes its blobs. Safe when nothing runs.
set -euo pipefail
BASE="${HEAVYSYNC_TEST_DIR:-/tmp/heavysync-test}"
DIR="$BASE/gcs"
[ -d "$DIR" ] || exit 0
exec 9>"$BASE/.gcs.lock"
flock -w 300 9 || true
if [ -f "$DIR/emulator.pid" ]; then
  pid="$(cat "$DIR/emulator.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
fi
rm -rf "$DIR/blobs" "$DIR/env" "$DIR/emulator.pid"
