#!/usr/bin/env bash
# Starts Google's Cloud Storage emulator (firebase-tools, via launcher.js) on 127.0.0.1 for the
# integration tests. Idempotent: when the emulator under the state dir already answers, it only
# reprints the env file.
#   HEAVYSYNC_TEST_DIR         base state dir (default /tmp/heavysync-test); ours is $it/gcs
#   HEAVYSYNC_TEST_GCS_PORT    port (default: first free from 19190)
# Writes $HEAVYSYNC_TEST_DIR/gcs/env (sourceable) with HEAVYSYNC_TEST_GCS_ENDPOINT.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BASE="${HEAVYSYNC_TEST_DIR:-/tmp/heavysync-test}"
DIR="$BASE/gcs"
ENV_FILE="$DIR/env"
mkdir -p "$DIR"

answers() { curl -fs -o /dev/null --max-time 2 "$1/storage/v1/b/heavysync-probe/o?maxResults=1"; }

exec 9>"$BASE/.gcs.lock"
flock -w 300 9

if [ -f "$ENV_FILE" ] && [ -f "$DIR/emulator.pid" ] && kill -0 "$(cat "$DIR/emulator.pid")" 2>/dev/null; then
  # shellcheck disable=SC1090
  if (. "$ENV_FILE" && answers "$HEAVYSYNC_TEST_GCS_ENDPOINT"); then
    cat "$ENV_FILE"
    exit 0
  fi
fi

tools="$("$here/install.sh")"
port="${HEAVYSYNC_TEST_GCS_PORT:-19190}"
while ss -Hltn "sport = :$port" | grep -q .; do port=$((port + 1)); done
rm -rf "$DIR/blobs" && mkdir -p "$DIR/blobs"
# 9>&-: the emulator must not inherit (and hold forever) the start lock.
setsid node "$here/launcher.js" "$tools" "$port" "$DIR/blobs" >"$DIR/emulator.log" 2>&1 < /dev/null 9>&- &
echo $! >"$DIR/emulator.pid"
endpoint="http://127.0.0.1:$port"
for ((i = 0; i < 100; i++)); do
  answers "$endpoint" && break
  kill -0 "$(cat "$DIR/emulator.pid")" 2>/dev/null || { tail -n 20 "$DIR/emulator.log" >&2; exit 1; }
  sleep 0.1
done
answers "$endpoint" || { echo "gcs-emulator/start: no answer from $endpoint" >&2; tail -n 20 "$DIR/emulator.log" >&2; exit 1; }
printf 'HEAVYSYNC_TEST_GCS_ENDPOINT=%s\n' "$endpoint" >"$ENV_FILE"
cat "$ENV_FILE"
