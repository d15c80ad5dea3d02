#!/usr/bin/env bash
# Benchmark: local -> S3 (Ceph radosgw on loopback), heavysync vs rclone sync vs aws s3 sync, same
# run, same server, same concurrency. Cases: N x 4 KiB files, a no-change re-sync of them, and one
# large file. Prints a Markdown table.
# Usage: bench/s3-bench.sh   Env: COUNT (10000), BIG_MIB (512), CONCURRENCY (16), WORK (/tmp/heavysync-s3-bench)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${COUNT:-10000}"
big_mib="${BIG_MIB:-512}"
concurrency="${CONCURRENCY:-16}"
work="${WORK:-/tmp/heavysync-s3-bench}"
export HEAVYSYNC_TEST_DIR="${HEAVYSYNC_TEST_DIR:-/tmp/heavysync-test}"

command -v rclone >/dev/null && [ -x /usr/bin/aws ] || { apt-get update -qq && apt-get install -y -qq rclone awscli >/dev/null; }
"$here/scripts/install-test-deps.sh"
# A fresh server: memstore keeps every byte in RAM, and earlier runs' data slows it down.
"$here/scripts/radosgw/stop.sh" >/dev/null 2>&1 || true
"$here/scripts/radosgw/start.sh" >/dev/null
set -a; . "$HEAVYSYNC_TEST_DIR/radosgw/env"; set +a

rm -rf "$work"; mkdir -p "$work"
dotnet publish "$here/src/HeavySync.Cli/HeavySync.Cli.csproj" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/bin" --nologo -v quiet >/dev/null
hs="$work/bin/heavysync"

export AWS_ACCESS_KEY_ID="$HEAVYSYNC_TEST_S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$HEAVYSYNC_TEST_S3_SECRET_KEY"
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL_S3="$HEAVYSYNC_TEST_S3_ENDPOINT"
# rclone's S3 backend fails on a CA bundle with a plain-http endpoint (ENVIRONMENT.md).
unset AWS_CA_BUNDLE
export RCLONE_CONFIG_RGW_TYPE=s3 RCLONE_CONFIG_RGW_PROVIDER=Ceph RCLONE_CONFIG_RGW_ENDPOINT="$HEAVYSYNC_TEST_S3_ENDPOINT"
export RCLONE_CONFIG_RGW_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" RCLONE_CONFIG_RGW_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY"
aws_cli() { /usr/bin/aws --endpoint-url "$HEAVYSYNC_TEST_S3_ENDPOINT" "$@"; }
aws_cli configure set default.s3.max_concurrent_requests "$concurrency" >/dev/null

python3 - "$work/small" "$count" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, f"d{i % 50:02d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:06d}.bin"), "wb") as f:
        f.write(os.urandom(4096))
PY
mkdir -p "$work/big"
head -c "$((big_mib * 1024 * 1024))" /dev/urandom > "$work/big/large.bin"

timed() { # prints seconds
  local start end
  start=$(date +%s.%N)
  "$@" >"$work/out.txt" 2>&1 || { cat "$work/out.txt" >&2; echo "FAILED: $*" >&2; return 1; }
  end=$(date +%s.%N)
  python3 -c "print(f'{$end-$start:.2f}')"
}

run=$(date +%s)
results=()
for tool in heavysync rclone aws; do
  bucket="bench-$tool-$run"
  aws_cli s3 mb "s3://$bucket" >/dev/null
  case $tool in
    heavysync)
      small() { "$hs" sync "$work/small" "s3://$bucket/small" --state "$work/hs-small.db" --concurrency "$concurrency" --quiet; }
      big() { "$hs" sync "$work/big" "s3://$bucket/big" --state "$work/hs-big.db" --concurrency "$concurrency" --quiet; } ;;
    rclone)
      small() { rclone sync "$work/small" "rgw:$bucket/small" --transfers "$concurrency" --checkers "$concurrency"; }
      big() { rclone sync "$work/big" "rgw:$bucket/big" --transfers "$concurrency" --checkers "$concurrency" --s3-upload-concurrency "$concurrency"; } ;;
    aws)
      small() { aws_cli s3 sync "$work/small" "s3://$bucket/small" --only-show-errors; }
      big() { aws_cli s3 sync "$work/big" "s3://$bucket/big" --only-show-errors; } ;;
  esac
  t_small=$(timed small); t_resync=$(timed small); t_big=$(timed big)
  results+=("$tool $t_small $t_resync $t_big")
done

echo "| tool | $count x 4 KiB: s | objects/s | no-change re-sync: s | 1 x $big_mib MiB: s | MB/s |"
echo "|---|---|---|---|---|---|"
for r in "${results[@]}"; do
  read -r tool a b c <<<"$r"
  python3 -c "import sys; n,a,b,c,m=$count,$a,$b,$c,$big_mib; print(f'| $tool | {a:.2f} | {n/a:,.0f} | {b:.2f} | {c:.2f} | {m*1.048576/c:,.0f} |')"
done
rm -rf "$work/small" "$work/big"
