#!/usr/bin/env bash
# Stops the SQS test server start.sh started (its queues live in memory: nothing is kept).
# Safe to run when nothing is running.
set -euo pipefail

BASE="${HEAVYSYNC_TEST_DIR:-/tmp/heavysync-test}"
DIR="$BASE/sqs"
[ -f "$DIR/pid" ] || exit 0
pid="$(cat "$DIR/pid")"
if kill -0 "$pid" 2>/dev/null; then
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
fi
rm -f "$DIR/pid" "$DIR/env"
