#!/usr/bin/env bash
# Benchmark: local -> S3 (Ceph radosgw on loopback), heavysync vs rclone sync vs aws s3 sync, same
# server, same concurrency. Cases: N x 4 KiB files, a no-change re-sync of them, and one large file.
#
# Each round starts a fresh radosgw and gives every tool its own new bucket. The order of the tools
# rotates from round to round: a tool that runs later meets a server that holds more data, and the
# load of a shared machine drifts, so with REPEAT >= 2 every tool runs first as often as the others;
# read the per-round ratios, not one run. Besides wall-clock time each run records what the
# machine's load changes much less: the client's CPU seconds (user + sys, /usr/bin/time), the
# server's CPU seconds (radosgw, OSD and monitor, from /proc) and the requests radosgw served (its
# perf counters). On two cores shared by server and client, CPU per object is throughput.
#
# Usage: bench/s3-bench.sh
# Env: COUNT (10000), BIG_MIB (512; 0 skips the large file), CONCURRENCY (16), REPEAT (1),
#      TOOLS ("heavysync rclone aws"), WORK (/tmp/heavysync-s3-bench)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${COUNT:-10000}"
big_mib="${BIG_MIB:-512}"
concurrency="${CONCURRENCY:-16}"
repeat="${REPEAT:-1}"
read -r -a tools <<<"${TOOLS:-heavysync rclone aws}"
work="${WORK:-/tmp/heavysync-s3-bench}"
export HEAVYSYNC_TEST_DIR="${HEAVYSYNC_TEST_DIR:-/tmp/heavysync-test}"
rgw_dir="$HEAVYSYNC_TEST_DIR/radosgw"

command -v rclone >/dev/null && [ -x /usr/bin/aws ] && [ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq rclone awscli time >/dev/null; }
"$here/scripts/install-test-deps.sh"

rm -rf "$work"; mkdir -p "$work"
"$here/scripts/publish-cli.sh" "$work/bin" >/dev/null  # the build ./heavysync runs
hs="$work/bin/heavysync"

python3 - "$work/small" "$count" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, f"d{i % 50:02d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:06d}.bin"), "wb") as f:
        f.write(os.urandom(4096))
PY
if [ "$big_mib" -gt 0 ]; then
  mkdir -p "$work/big"
  head -c "$((big_mib * 1024 * 1024))" /dev/urandom >"$work/big/large.bin"
fi

# A fresh server for each round: memstore keeps every byte in RAM, and earlier runs' data slows it down.
fresh_server() {
  "$here/scripts/radosgw/stop.sh" >/dev/null 2>&1 || true
  "$here/scripts/radosgw/start.sh" >/dev/null
  set -a
  # shellcheck disable=SC1091
  . "$rgw_dir/env"
  set +a
  export AWS_ACCESS_KEY_ID="$HEAVYSYNC_TEST_S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$HEAVYSYNC_TEST_S3_SECRET_KEY"
  export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL_S3="$HEAVYSYNC_TEST_S3_ENDPOINT"
  # rclone's S3 backend fails on a CA bundle with a plain-http endpoint (ENVIRONMENT.md).
  unset AWS_CA_BUNDLE
  export RCLONE_CONFIG_RGW_TYPE=s3 RCLONE_CONFIG_RGW_PROVIDER=Ceph RCLONE_CONFIG_RGW_ENDPOINT="$HEAVYSYNC_TEST_S3_ENDPOINT"
  export RCLONE_CONFIG_RGW_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" RCLONE_CONFIG_RGW_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY"
  aws_cli configure set default.s3.max_concurrent_requests "$concurrency" >/dev/null
}
aws_cli() { /usr/bin/aws --endpoint-url "$HEAVYSYNC_TEST_S3_ENDPOINT" "$@"; }

# CPU seconds of the server's daemons so far (utime + stime of radosgw, OSD and monitor).
server_cpu() {
  local total=0 name stat
  for name in rgw osd mon; do
    read -r -a stat <"/proc/$(cat "$rgw_dir/run/$name.pid")/stat"
    total=$((total + stat[13] + stat[14]))
  done
  python3 -c "print($total / $(getconf CLK_TCK))"
}

# Requests radosgw has served so far.
server_requests() {
  timeout 30 ceph --admin-daemon "$rgw_dir/run/client.rgw.asok" perf dump |
    python3 -c "import json, sys; print(json.load(sys.stdin)['rgw']['req'])"
}

# measure ROUND TOOL CASE COMMAND...: runs the command, appends one line to the results.
measure() {
  local round=$1 tool=$2 case=$3 cpu0 req0 cpu1 req1 wall user sys
  shift 3
  cpu0=$(server_cpu); req0=$(server_requests)
  /usr/bin/time -o "$work/time.txt" -f "%e %U %S" "$@" >"$work/out.txt" 2>&1 || { cat "$work/out.txt" >&2; echo "FAILED: $*" >&2; return 1; }
  cpu1=$(server_cpu); req1=$(server_requests)
  read -r wall user sys <"$work/time.txt"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$tool" "$case" "$wall" \
    "$(python3 -c "print(round($user + $sys, 2))")" "$(python3 -c "print(round($cpu1 - $cpu0, 2))")" "$((req1 - req0))" >>"$work/results.tsv"
}

run_tool() {
  local round=$1 tool=$2 bucket="bench-$2-r$1-$(date +%s)"
  aws_cli s3 mb "s3://$bucket" >/dev/null
  local small big
  case $tool in
    heavysync)
      small=("$hs" sync "$work/small" "s3://$bucket/small" --state "$work/hs-small-$round.db" --concurrency "$concurrency" --quiet)
      big=("$hs" sync "$work/big" "s3://$bucket/big" --state "$work/hs-big-$round.db" --concurrency "$concurrency" --quiet) ;;
    rclone)
      small=(rclone sync "$work/small" "rgw:$bucket/small" --transfers "$concurrency" --checkers "$concurrency")
      big=(rclone sync "$work/big" "rgw:$bucket/big" --transfers "$concurrency" --checkers "$concurrency" --s3-upload-concurrency "$concurrency") ;;
    aws)
      small=(/usr/bin/aws --endpoint-url "$HEAVYSYNC_TEST_S3_ENDPOINT" s3 sync "$work/small" "s3://$bucket/small" --only-show-errors)
      big=(/usr/bin/aws --endpoint-url "$HEAVYSYNC_TEST_S3_ENDPOINT" s3 sync "$work/big" "s3://$bucket/big" --only-show-errors) ;;
    *) echo "unknown tool: $tool" >&2; return 2 ;;
  esac
  measure "$round" "$tool" small "${small[@]}"
  measure "$round" "$tool" resync "${small[@]}"
  if [ "$big_mib" -gt 0 ]; then measure "$round" "$tool" big "${big[@]}"; fi
}

: >"$work/results.tsv"
for ((round = 1; round <= repeat; round++)); do
  fresh_server
  # Rotate the order: round 1 runs the tools as listed, round 2 starts with the second, ...
  n=${#tools[@]}
  order=()
  for ((i = 0; i < n; i++)); do order+=("${tools[$(((i + round - 1) % n))]}"); done
  echo "round $round/$repeat: ${order[*]}" >&2
  for tool in "${order[@]}"; do run_tool "$round" "$tool"; done
done

python3 - "$work/results.tsv" "$count" "$big_mib" <<'PY'
import statistics, sys
path, count, big_mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
runs = {}
order = {}
for line in open(path):
    rnd, tool, case, wall, ccpu, scpu, req = line.rstrip("\n").split("\t")
    runs[(int(rnd), tool, case)] = (float(wall), float(ccpu), float(scpu), int(req))
    order.setdefault(int(rnd), [])
    if tool not in order[int(rnd)]:
        order[int(rnd)].append(tool)

print(f"| round | position | tool | {count:,} x 4 KiB: s | objects/s | client CPU s | server CPU s | requests | no-change re-sync: s | re-sync requests |"
      + (f" 1 x {big_mib} MiB: s | MB/s |" if big_mib else ""))
print("|---|---|---|---|---|---|---|---|---|---|" + ("---|---|" if big_mib else ""))
for rnd in sorted(order):
    for pos, tool in enumerate(order[rnd], 1):
        w, c, s, r = runs[(rnd, tool, "small")]
        rw, _, _, rr = runs[(rnd, tool, "resync")]
        row = f"| {rnd} | {pos} | {tool} | {w:.2f} | {count / w:,.0f} | {c:.2f} | {s:.2f} | {r:,} | {rw:.2f} | {rr:,} |"
        if big_mib:
            bw = runs[(rnd, tool, "big")][0]
            row += f" {bw:.2f} | {big_mib * 1.048576 / bw:,.0f} |"
        print(row)

tools = sorted({t for (_, t, _) in runs})
if "heavysync" in tools:
    for peer in [t for t in tools if t != "heavysync"]:
        print()
        print(f"| round | objects/s: heavysync / {peer} | client CPU: heavysync / {peer} | server CPU: heavysync / {peer} | heavysync ran first |")
        print("|---|---|---|---|---|")
        ratios = []
        for rnd in sorted(order):
            if (rnd, peer, "small") not in runs or (rnd, "heavysync", "small") not in runs:
                continue
            h, p = runs[(rnd, "heavysync", "small")], runs[(rnd, peer, "small")]
            ratio = p[0] / h[0]
            ratios.append(ratio)
            first = order[rnd].index("heavysync") < order[rnd].index(peer)
            print(f"| {rnd} | {ratio:.2f}x | {h[1] / p[1]:.2f}x | {h[2] / p[2]:.2f}x | {'yes' if first else 'no'} |")
        if ratios:
            print(f"\nheavysync / {peer} objects/s over {len(ratios)} round(s): median {statistics.median(ratios):.2f}x, lowest {min(ratios):.2f}x")
PY
rm -rf "$work/small" "$work/big"
