#!/usr/bin/env bash
# Starts Google's Pub/Sub emulator (from google-cloud-cli) for the integration tests on 127.0.0.1.
# Idempotent: when the emulator under the state dir already answers, it only reprints the env file.
# Nothing is persisted worth keeping: stop.sh deletes it all.
#
#   HEAVYSYNC_TEST_DIR            base state dir (default /tmp/heavysync-test); ours is $it/pubsub
#   HEAVYSYNC_TEST_PUBSUB_PORT    port (default: first free from 18085)
#
# Writes $HEAVYSYNC_TEST_DIR/pubsub/env (sourceable) with HEAVYSYNC_TEST_PUBSUB_HOST=127.0.0.1:PORT
# (the PUBSUB_EMULATOR_HOST form) and HEAVYSYNC_TEST_PUBSUB_PROJECT (any name works on the emulator).
set -euo pipefail

BASE="${HEAVYSYNC_TEST_DIR:-/tmp/heavysync-test}"
DIR="$BASE/pubsub"
ENV_FILE="$DIR/env"
LOG="$DIR/emulator.log"
PID_FILE="$DIR/pid"
EMULATOR="${HEAVYSYNC_PUBSUB_EMULATOR:-/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator}"
PROJECT=heavysync-test

log() { printf '%s pubsub/start: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; [ -f "$LOG" ] && tail -n 20 "$LOG" >&2; exit 1; }

[ -x "$EMULATOR" ] || die "Pub/Sub emulator not found at $EMULATOR (run scripts/install-test-deps.sh)"

mkdir -p "$BASE"
exec 9>"$BASE/.pubsub.lock"
flock -w 120 9 || die "another start.sh holds $BASE/.pubsub.lock"

answers() { curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$1/v1/projects/$PROJECT/topics"; }

if [ -f "$ENV_FILE" ] && [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
  port=$(sed -n 's/^HEAVYSYNC_TEST_PUBSUB_PORT=//p' "$ENV_FILE")
  if [ -n "$port" ] && answers "$port"; then
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
mkdir -p "$DIR/data"
port="${HEAVYSYNC_TEST_PUBSUB_PORT:-$(free_port 18085)}"

# The launcher exec's java, so $! is the emulator's own pid. setsid: Ctrl-C of a test run does not reach it.
setsid "$EMULATOR" --host=127.0.0.1 --port="$port" --data-dir="$DIR/data" >"$LOG" 2>&1 < /dev/null 9>&- &
echo $! >"$PID_FILE"

for _ in $(seq 1 300); do
  answers "$port" && break
  kill -0 "$(cat "$PID_FILE")" 2>/dev/null || die "emulator exited"
  sleep 0.1
done
answers "$port" || die "emulator did not answer on 127.0.0.1:$port within 30 s"

cat >"$ENV_FILE" <<ENV
HEAVYSYNC_TEST_PUBSUB_HOST=127.0.0.1:$port
HEAVYSYNC_TEST_PUBSUB_PORT=$port
HEAVYSYNC_TEST_PUBSUB_PROJECT=$PROJECT
ENV
log "ready on 127.0.0.1:$port"
cat "$ENV_FILE"
