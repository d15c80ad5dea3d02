#!/usr/bin/env bash
# Benchmark: work-queue requests per copied object over a whole cluster run, for each queue kind.
# One lister, three copier processes and a finalizer of the published binary sync N x 1 KiB local
# files to an empty local tree through a fresh queue: Postgres (a database of its own), the repo's
# SQS test server, Google's Pub/Sub emulator. Each role prints the requests its queue adapter sent
# ("queue requests: OP N, ..."); this sums them and prints a Markdown table row per queue kind:
# requests per copied object, by operation. Request counts do not depend on the machine's load.
# Usage: bench/queue-cost.sh [COUNT]   (default 10000)
# Env: HEAVYSYNC_TEST_DIR (test servers' state, default /tmp/heavysync-test), WORK (default
#      /tmp/heavysync-queue-bench), KINDS (default "postgres sqs pubsub"), IDLE_EXIT (default 5s)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${1:-10000}"
work="${WORK:-/tmp/heavysync-queue-bench}"
kinds="${KINDS:-postgres sqs pubsub}"
idle_exit="${IDLE_EXIT:-5s}"
export HEAVYSYNC_TEST_DIR="${HEAVYSYNC_TEST_DIR:-/tmp/heavysync-test}"
export AWS_EC2_METADATA_DISABLED=true
mkdir -p "$work"

"$here/scripts/postgres/start.sh" >/dev/null
"$here/scripts/sqs/start.sh" >/dev/null
"$here/scripts/pubsub/start.sh" >/dev/null
set -a
# shellcheck disable=SC1091
. "$HEAVYSYNC_TEST_DIR/postgres/env"
# shellcheck disable=SC1091
. "$HEAVYSYNC_TEST_DIR/sqs/env"
# shellcheck disable=SC1091
. "$HEAVYSYNC_TEST_DIR/pubsub/env"
set +a
psql="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)/psql"

dotnet publish "$here/src/HeavySync.Cli/HeavySync.Cli.csproj" -c Release -o "$work/bin" --nologo -v quiet >/dev/null
hs="$work/bin/heavysync"

rm -rf "$work/src"
python3 - "$work/src" "$count" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
data = os.urandom(1024)
for i in range(n):
    d = os.path.join(root, f"d{i % 20:02d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:07d}.bin"), "wb") as f:
        f.write(data[i % 512:] + data[:i % 512])
PY

new_database() { # prints a postgres:// URL of a new database
  local name="qcost_$(date +%s%N | tail -c 10)_$RANDOM"
  "$psql" -q "$HEAVYSYNC_TEST_POSTGRES_URL" -c "CREATE DATABASE $name" >/dev/null
  echo "${HEAVYSYNC_TEST_POSTGRES_URL%/*}/$name"
}

sqs_call() { # action json: the test server checks the form of a SigV4 header, not the signature
  curl -fsS "$HEAVYSYNC_TEST_SQS_ENDPOINT/" -H "Content-Type: application/x-amz-json-1.0" \
    -H "X-Amz-Target: AmazonSQS.$1" -H "X-Amz-Date: $(date -u +%Y%m%dT%H%M%SZ)" \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=AKIDBENCH/$(date -u +%Y%m%d)/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=$(printf '0%.0s' {1..64})" \
    -d "$2"
}

new_queue() { # kind: prints the --queue value and sets extra environment
  local name="qcost-$(date +%s%N)"
  case "$1" in
    postgres) new_database ;;
    sqs) sqs_call CreateQueue "{\"QueueName\":\"$name\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["QueueUrl"])' ;;
    pubsub)
      local base="http://$HEAVYSYNC_TEST_PUBSUB_HOST/v1/projects/$HEAVYSYNC_TEST_PUBSUB_PROJECT"
      curl -fsS -X PUT "$base/topics/$name" -H 'Content-Type: application/json' -d '{}' >/dev/null
      curl -fsS -X PUT "$base/topics/$name-dead" -H 'Content-Type: application/json' -d '{}' >/dev/null
      curl -fsS -X PUT "$base/subscriptions/$name" -H 'Content-Type: application/json' -d "{\"topic\":\"projects/$HEAVYSYNC_TEST_PUBSUB_PROJECT/topics/$name\",\"ackDeadlineSeconds\":10,\"deadLetterPolicy\":{\"deadLetterTopic\":\"projects/$HEAVYSYNC_TEST_PUBSUB_PROJECT/topics/$name-dead\",\"maxDeliveryAttempts\":10}}" >/dev/null
      echo "pubsub://projects/$HEAVYSYNC_TEST_PUBSUB_PROJECT/subscriptions/$name" ;;
  esac
}

echo "| queue | objects | copied | queue requests | per object | by operation (per object) | seconds |"
echo "|---|---|---|---|---|---|---|"
for kind in $kinds; do
  rm -rf "$work/dst" "$work/logs" && mkdir -p "$work/dst" "$work/logs"
  export HEAVYSYNC_STATE="$(new_database)"
  export HEAVYSYNC_QUEUE="$(new_queue "$kind")"
  export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1
  export PUBSUB_EMULATOR_HOST="$HEAVYSYNC_TEST_PUBSUB_HOST" HEAVYSYNC_PROGRESS_INTERVAL=3600
  "$hs" job create cost "$work/src" "$work/dst" >/dev/null
  started=$(date +%s.%N)
  "$hs" lister --job cost -q >"$work/logs/lister.out"
  for i in 1 2 3; do "$hs" copier --idle-exit "$idle_exit" -q >"$work/logs/copier-$i.out" & done
  wait
  "$hs" finalizer --job cost >"$work/logs/finalizer.out"
  ended=$(date +%s.%N)
  python3 - "$kind" "$count" "$started" "$ended" "$work"/logs/*.out <<'PY'
import re, sys
kind, objects, started, ended, files = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5:]
ops, copied = {}, 0
for name in files:
    for line in open(name):
        if line.startswith("queue requests: "):
            for part in line[len("queue requests: "):].split(" (")[0].strip().split(", "):
                op, n = part.rsplit(" ", 1)
                ops[op] = ops.get(op, 0) + int(n)
        m = re.match(r"copier stopped: copied (\d+) objects", line)
        if m:
            copied += int(m.group(1))
total = sum(ops.values())
per = total / max(copied, 1)
detail = ", ".join(f"{op} {n} ({n / max(copied, 1):.4f})" for op, n in sorted(ops.items()))
print(f"| {kind} | {objects} | {copied} | {total} | {per:.4f} | {detail} | {ended - started:.0f} |")
PY
done
