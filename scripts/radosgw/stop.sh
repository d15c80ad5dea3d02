#!/usr/bin/env bash
# Stops the test cluster started by start.sh and removes its state (memstore keeps nothing worth
# keeping). Safe to run when nothing is running.
set -euo pipefail

BASE="${HEAVYSYNC_TEST_DIR:-/tmp/heavysync-test}"
DIR="$BASE/radosgw"

# Never tear down a cluster start.sh is building (start.sh itself calls us holding the lock).
if [ -z "${HEAVYSYNC_RADOSGW_LOCKED:-}" ] && [ -d "$BASE" ]; then
  exec 9>"$BASE/.radosgw.lock"
  flock -w 300 9 || true
fi

pids=()
if [ -d "$DIR/run" ]; then
  for file in "$DIR"/run/*.pid; do
    [ -f "$file" ] || continue
    pid=$(cat "$file")
    kill -0 "$pid" 2>/dev/null && pids+=("$pid")
  done
fi

if [ "${#pids[@]}" -gt 0 ]; then
  kill "${pids[@]}" 2>/dev/null || true
  # The state is thrown away, so a daemon still flushing after 2 s is not worth waiting for.
  for ((i = 0; i < 20; i++)); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  kill -9 "${pids[@]}" 2>/dev/null || true
fi
rm -rf "$DIR"
