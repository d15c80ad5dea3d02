#!/usr/bin/env bash
# The whole test suite: installs what the tests need (apt packages), starts the test servers on
# 127.0.0.1 (Ceph radosgw for S3, PostgreSQL, Google's storage and Pub/Sub emulators, the repo's own
# SQS test server), builds the native heavysync the end-to-end tests run (HEAVYSYNC_TEST_CLI set:
# that one instead), runs every test project, stops the servers.
# Usage: ./scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~S3]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
export HEAVYSYNC_TEST_DIR="${HEAVYSYNC_TEST_DIR:-/tmp/heavysync-test}"
# Tests talk to 127.0.0.1 only: never let the AWS credential chain probe the instance-metadata address.
export AWS_EC2_METADATA_DISABLED=true
mkdir -p "$HEAVYSYNC_TEST_DIR"

./scripts/install-test-deps.sh

stop_servers() {
  ./scripts/radosgw/stop.sh >/dev/null 2>&1 || true
  ./scripts/postgres/stop.sh >/dev/null 2>&1 || true
  ./scripts/gcs-emulator/stop.sh >/dev/null 2>&1 || true
  ./scripts/pubsub/stop.sh >/dev/null 2>&1 || true
  ./scripts/sqs/stop.sh >/dev/null 2>&1 || true
}
trap stop_servers EXIT
./scripts/radosgw/start.sh >/dev/null
./scripts/postgres/start.sh >/dev/null
./scripts/gcs-emulator/start.sh >/dev/null
./scripts/pubsub/start.sh >/dev/null
./scripts/sqs/start.sh >/dev/null
set -a
# shellcheck disable=SC1091
. "$HEAVYSYNC_TEST_DIR/radosgw/env"
# shellcheck disable=SC1091
. "$HEAVYSYNC_TEST_DIR/postgres/env"
# shellcheck disable=SC1091
. "$HEAVYSYNC_TEST_DIR/gcs/env"
# shellcheck disable=SC1091
. "$HEAVYSYNC_TEST_DIR/pubsub/env"
# shellcheck disable=SC1091
. "$HEAVYSYNC_TEST_DIR/sqs/env"
set +a

# The end-to-end tests run the build users get (the native one ./heavysync runs), unless
# HEAVYSYNC_TEST_CLI already names a heavysync to test.
if [ -z "${HEAVYSYNC_TEST_CLI:-}" ]; then
  echo "test.sh: building the native heavysync for the end-to-end tests..." >&2
  rm -rf "$HEAVYSYNC_TEST_DIR/cli"
  ./scripts/publish-cli.sh "$HEAVYSYNC_TEST_DIR/cli"
  export HEAVYSYNC_TEST_CLI="$HEAVYSYNC_TEST_DIR/cli/heavysync"
fi

results="$HEAVYSYNC_TEST_DIR/results"
rm -rf "$results"
status=0
dotnet test HeavySync.Workers.sln -c Release --nologo \
  --logger "console;verbosity=normal" --logger trx --results-directory "$results" "$@" || status=$?

# Closing lines any CI can read: the failed tests by name (a CI log often keeps only its tail),
# then the totals over every test project.
python3 - "$results" <<'PY' || true
import glob, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
failures = []
for f in glob.glob(sys.argv[1] + "/*.trx"):
    root = ET.parse(f).getroot()
    c = root.find(".//{*}Counters")
    if c is None:
        continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0))
    skipped += int(c.get("notExecuted", 0))
    for r in root.iter("{*}UnitTestResult"):
        if r.get("outcome") == "Failed":
            message = r.find(".//{*}Message")
            first = (message.text or "").strip().splitlines()[:3] if message is not None else []
            failures.append((r.get("testName"), " | ".join(line.strip() for line in first)))
for name, message in failures:
    print(f"FAILED {name}: {message[:400]}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
