#!/usr/bin/env bash
# Starts the repo's SQS test server (tests/HeavySync.SqsTestServer: the AWS JSON 1.0 protocol,
# written from AWS's SQS API reference) as a background process on 127.0.0.1, for tests that run
# several processes and for local stacks. Idempotent: a server this script started and that is
# still running is reused. Needs only the .NET SDK.
#
#   HEAVYSYNC_TEST_DIR        base state dir (default /tmp/heavysync-test); ours is $it/sqs
#   HEAVYSYNC_TEST_SQS_PORT   port (default 0: a free one)
#
# Writes $HEAVYSYNC_TEST_DIR/sqs/env (sourceable) with HEAVYSYNC_TEST_SQS_ENDPOINT=http://127.0.0.1:PORT
# and prints that URL. Queue URLs on it are ENDPOINT/000000000000/NAME; any access key is accepted
# (the SigV4 header must be well formed; signatures are not verified).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BASE="${HEAVYSYNC_TEST_DIR:-/tmp/heavysync-test}"
DIR="$BASE/sqs"
ENV_FILE="$DIR/env"
PORT="${HEAVYSYNC_TEST_SQS_PORT:-0}"

log() { printf '%s sqs/start: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

mkdir -p "$DIR"
exec 9>"$BASE/.sqs.lock"
flock -w 300 9 || die "another start.sh holds $BASE/.sqs.lock"

if [ -f "$DIR/pid" ] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null && [ -s "$ENV_FILE" ]; then
  sed -n 's/^HEAVYSYNC_TEST_SQS_ENDPOINT=//p' "$ENV_FILE"
  exit 0
fi
rm -f "$DIR/pid" "$ENV_FILE"

log "building the SQS test server"
dotnet build "$here/tests/HeavySync.SqsTestServer/HeavySync.SqsTestServer.csproj" -c Release -o "$DIR/bin" --nologo -v q \
  >"$DIR/build.log" 2>&1 || { tail -n 30 "$DIR/build.log" >&2; die "build failed (log: $DIR/build.log)"; }

: >"$DIR/out"
# fd 9 (the lock) must not stay open in the long-lived server.
setsid dotnet "$DIR/bin/HeavySync.SqsTestServer.dll" --port "$PORT" >"$DIR/out" 2>"$DIR/err" </dev/null 9>&- &
echo $! >"$DIR/pid"

# The server prints exactly one line, its URL, once it accepts requests.
for _ in $(seq 1 300); do
  url="$(head -n 1 "$DIR/out" 2>/dev/null || true)"
  if [[ "$url" =~ ^http://127\.0\.0\.1:[0-9]+$ ]]; then
    echo "HEAVYSYNC_TEST_SQS_ENDPOINT=$url" >"$ENV_FILE"
    log "ready at $url (pid $(cat "$DIR/pid"))"
    echo "$url"
    exit 0
  fi
  kill -0 "$(cat "$DIR/pid")" 2>/dev/null || { cat "$DIR/err" >&2; die "the server exited"; }
  sleep 0.1
done
die "no URL from the server within 30 s (stderr: $DIR/err)"
