#!/usr/bin/env bash
# Benchmark: S3 (Ceph radosgw) -> GCS (Google's storage emulator behind the test-only gaps layer,
# which both tools need for multi-chunk resumable uploads), heavysync vs rclone sync, same run, same
# servers, same concurrency. Cases: N x 4 KiB objects, a no-change re-sync of them, one large object
# uploaded by heavysync (S3 multipart, no MD5 stated: both tools must hash it or trust the server), the
# same large object uploaded by rclone (multipart with its "md5chksum" metadata: the MD5 is stated).
# Prints a Markdown table.
# Usage: bench/gcs-bench.sh
#   Env: COUNT (5000), REPEAT (1: rounds on the same servers, each into fresh prefixes, the tools'
#        order alternating), BIG_MIB (256; the layer stores a finished upload over 100 MB in 64 MiB
#        pieces, as the emulator refuses request bodies over 130 MB), CONCURRENCY (16),
#        PHASES (1: also time the large object's phases from the requests on the wire, with
#        tcpdump on loopback; 0: not), WORK (/tmp/heavysync-gcs-bench), SERVERS (the servers' files:
#        /dev/shm/heavysync-gcs-bench-servers when /dev/shm has 8 GiB free, else WORK/servers),
#        HS_BIN (a heavysync executable to measure instead of the build ./heavysync runs, e.g. an
#        experimental build)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${COUNT:-5000}"
big_mib="${BIG_MIB:-256}"
concurrency="${CONCURRENCY:-16}"
repeat="${REPEAT:-1}"
phases="${PHASES:-1}"
work="${WORK:-/tmp/heavysync-gcs-bench}"
# Private servers: fresh ones, and never the shared test servers. Their files go to memory (tmpfs)
# when /dev/shm has room, as radosgw's objects already do (memstore): the GCS emulator writes every
# object it stores to a file, and on the disk the clients also write to, ext4 made an fsync of
# heavysync's state file wait for that write-back (0.2-0.5 s, in some runs; rclone keeps no state).
# A real GCS writes elsewhere. SERVERS overrides the place.
if [ -z "${SERVERS:-}" ] && [ -w /dev/shm ] && [ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -gt $((8 * 1024 * 1024)) ]; then
  SERVERS=/dev/shm/heavysync-gcs-bench-servers
fi
export HEAVYSYNC_TEST_DIR="${SERVERS:-$work/servers}"

command -v rclone >/dev/null || { apt-get update -qq && apt-get install -y -qq rclone >/dev/null; }
if [ "$phases" = 1 ] && ! command -v tcpdump >/dev/null; then
  { apt-get update -qq && apt-get install -y -qq tcpdump; } >/dev/null 2>&1 || { echo "tcpdump not available: no phase table" >&2; phases=0; }
fi
"$here/scripts/install-test-deps.sh"
shm_servers=/dev/shm/heavysync-gcs-bench-servers
drop_shm_servers() { [ "$HEAVYSYNC_TEST_DIR" != "$shm_servers" ] || rm -rf "$shm_servers"; }
rm -rf "$work"; drop_shm_servers; mkdir -p "$work"
gaps_pid=""
capture_pid=""
cleanup() {
  [ -n "$capture_pid" ] && kill "$capture_pid" 2>/dev/null || true
  [ -n "$gaps_pid" ] && kill "$gaps_pid" 2>/dev/null || true
  "$here/scripts/gcs-emulator/stop.sh" >/dev/null 2>&1 || true
  "$here/scripts/radosgw/stop.sh" >/dev/null 2>&1 || true
  drop_shm_servers
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$here/scripts/radosgw/start.sh" >/dev/null
"$here/scripts/gcs-emulator/start.sh" >/dev/null
set -a; . "$HEAVYSYNC_TEST_DIR/radosgw/env"; . "$HEAVYSYNC_TEST_DIR/gcs/env"; set +a

if [ -n "${HS_BIN:-}" ]; then
  [ -x "$HS_BIN" ] || { echo "HS_BIN is not an executable: $HS_BIN" >&2; exit 2; }
  echo "heavysync under test: $HS_BIN" >&2
else
  "$here/scripts/publish-cli.sh" "$work/bin" >/dev/null  # the build ./heavysync runs
fi
dotnet build "$here/bench/gcs-gaps-host/GcsGapsHost.csproj" -c Release -o "$work/gaps" --nologo -v quiet >/dev/null
hs="${HS_BIN:-$work/bin/heavysync}"

run=$(date +%s)
src="bench-src-$run"
hs_bucket="bench-hs-$run"
rc_bucket="bench-rc-$run"
mkfifo "$work/gaps.in"
dotnet "$work/gaps/GcsGapsHost.dll" "$HEAVYSYNC_TEST_GCS_ENDPOINT" "$hs_bucket" "$rc_bucket" <"$work/gaps.in" >"$work/gaps.out" 2>&1 &
gaps_pid=$!
exec 7>"$work/gaps.in"
for ((i = 0; i < 100; i++)); do grep -q '^http' "$work/gaps.out" 2>/dev/null && break; sleep 0.1; done
gcs="$(grep -m1 '^http' "$work/gaps.out")"

export AWS_ACCESS_KEY_ID="$HEAVYSYNC_TEST_S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$HEAVYSYNC_TEST_S3_SECRET_KEY"
export AWS_REGION=us-east-1 AWS_ENDPOINT_URL_S3="$HEAVYSYNC_TEST_S3_ENDPOINT" AWS_EC2_METADATA_DISABLED=true
export STORAGE_EMULATOR_HOST="$gcs"
unset GOOGLE_APPLICATION_CREDENTIALS AWS_CA_BUNDLE
export RCLONE_CONFIG_RGW_TYPE=s3 RCLONE_CONFIG_RGW_PROVIDER=Ceph RCLONE_CONFIG_RGW_ENDPOINT="$HEAVYSYNC_TEST_S3_ENDPOINT"
export RCLONE_CONFIG_RGW_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" RCLONE_CONFIG_RGW_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY"
export RCLONE_CONFIG_GCS_TYPE="google cloud storage" RCLONE_CONFIG_GCS_ENDPOINT="$gcs/storage/v1/"
export RCLONE_CONFIG_GCS_ANONYMOUS=true RCLONE_CONFIG_GCS_BUCKET_POLICY_ONLY=true RCLONE_CONFIG_GCS_NO_CHECK_BUCKET=true

# The source: N x 4 KiB and one large object (multipart in S3), uploaded once.
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
head -c "$((big_mib * 1024 * 1024))" /dev/urandom >"$work/big/large.bin"
rclone mkdir "rgw:$src"
"$hs" sync "$work/small" "s3://$src/small" --state "$work/seed-small.db" --concurrency "$concurrency" --quiet >/dev/null
"$hs" sync "$work/big" "s3://$src/big" --state "$work/seed-big.db" --quiet >/dev/null
rclone copy "$work/big" "rgw:$src/bigmd5" >/dev/null 2>&1

timed() { # prints seconds and the client's CPU seconds (user + sys)
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$work/cpu.txt" "$@" >"$work/out.txt" 2>&1 || { cat "$work/out.txt" >&2; echo "FAILED: $*" >&2; return 1; }
  end=$(date +%s.%N)
  echo "$start $end" >"$work/span.txt"
  python3 -c "u,s=open('$work/cpu.txt').read().split()[-2:]; print(f'{$end-$start:.2f} {float(u)+float(s):.2f}')"
}

# The large object's phases, read off the wire: tcpdump keeps the first bytes of each packet to
# and from the layer and radosgw (request lines and status lines, timestamped by the kernel), and
# the times are taken from the command's start. Both tools are captured alike.
capture_start() {
  [ "$phases" = 1 ] || return 0
  tcpdump -i lo -s 400 -nn -tt -l -A "tcp port ${gcs##*:} or tcp port ${HEAVYSYNC_TEST_S3_ENDPOINT##*:}" >"$work/capture.txt" 2>"$work/capture.err" &
  capture_pid=$!
  for ((i = 0; i < 100; i++)); do grep -q "listening on" "$work/capture.err" 2>/dev/null && break; sleep 0.05; done
  sleep 0.2
}
capture_phases() { # prints: first request, first chunk, chunks, last chunk -> stored, stored -> exit
  [ "$phases" = 1 ] || return 0
  sleep 0.2; kill "$capture_pid" 2>/dev/null; wait "$capture_pid" 2>/dev/null || true; capture_pid=""
  python3 - "$work/capture.txt" "$work/span.txt" "${gcs##*:}" <<'PY'
import re, sys
start, end = map(float, open(sys.argv[2]).read().split())
gport = sys.argv[3]
first = chunk1 = last = stored = None
src = dst = ts = None
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"^(\d+\.\d+) IP 127\.0\.0\.1\.(\d+) > 127\.0\.0\.1\.(\d+):", line)
    if m:
        ts, src, dst = float(m.group(1)), m.group(2), m.group(3)
        continue
    if ts is None or ts < start:
        continue
    if first is None and re.search(r"(GET|HEAD|PUT|POST|DELETE) /\S* HTTP/1\.1", line):
        first = ts
    if dst == gport and re.search(r"(PUT|POST) /upload/\S*upload_id=", line):
        chunk1 = chunk1 or ts
        last = ts
    if src == gport and re.search(r"HTTP/1\.1 20[01] ", line) and last is not None and ts > last:
        stored = ts
if None in (first, chunk1, last, stored):
    print("- - - - -")
else:
    print(f"{first - start:.2f} {chunk1 - start:.2f} {last - chunk1:.2f} {stored - last:.2f} {end - stored:.2f}")
PY
}

# Rounds on the same servers, each tool into fresh prefixes; the order alternates (a tool that runs
# later meets an emulator holding more data).
results=()
phase_rows=()
for ((round = 1; round <= repeat; round++)); do
  if ((round % 2 == 1)); then order=(heavysync rclone); else order=(rclone heavysync); fi
  for tool in "${order[@]}"; do
    case $tool in
      heavysync)
        bucket=$hs_bucket
        small=("$hs" sync "s3://$src/small" "gs://$hs_bucket/small-$round" --state "$work/hs-small-$round.db" --concurrency "$concurrency" --quiet)
        big=("$hs" sync "s3://$src/big" "gs://$hs_bucket/big-$round" --state "$work/hs-big-$round.db" --concurrency "$concurrency" --quiet)
        bigmd5=("$hs" sync "s3://$src/bigmd5" "gs://$hs_bucket/bigmd5-$round" --state "$work/hs-bigmd5-$round.db" --concurrency "$concurrency" --quiet) ;;
      rclone)
        bucket=$rc_bucket
        small=(rclone sync "rgw:$src/small" "gcs:$rc_bucket/small-$round" --transfers "$concurrency" --checkers "$concurrency")
        big=(rclone sync "rgw:$src/big" "gcs:$rc_bucket/big-$round" --transfers "$concurrency" --checkers "$concurrency")
        bigmd5=(rclone sync "rgw:$src/bigmd5" "gcs:$rc_bucket/bigmd5-$round" --transfers "$concurrency" --checkers "$concurrency") ;;
    esac
    # /usr/bin/time runs programs, not shell functions: the commands are arrays.
    out=$(timed "${small[@]}") || exit 1; read -r t_small c_small <<<"$out"
    out=$(timed "${small[@]}") || exit 1; read -r t_resync _ <<<"$out"
    capture_start
    out=$(timed "${big[@]}") || exit 1; read -r t_big c_big <<<"$out"
    if [ "$phases" = 1 ]; then capture_phases >"$work/phase.txt"; phase_rows+=("$round $tool $(cat "$work/phase.txt")"); fi
    out=$(timed "${bigmd5[@]}") || exit 1; read -r t_md5 c_md5 <<<"$out"
    results+=("$round $tool $t_small $c_small $t_resync $t_big $c_big $t_md5 $c_md5")
    for what in small big bigmd5; do
      rclone check "rgw:$src/$what" "gcs:$bucket/$what-$round" --one-way >/dev/null 2>&1 || echo "warning: rclone check of $tool's copy ($what, round $round): differences" >&2
    done
  done
done

echo "| round | tool | $count x 4 KiB: s | objects/s | client CPU s | no-change re-sync: s | 1 x $big_mib MiB: s | MB/s | client CPU s | MD5 stated: s | MB/s | client CPU s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for r in "${results[@]}"; do
  read -r round tool a ca b c cc d cd <<<"$r"
  python3 -c "n,a,b,c,d,m=$count,$a,$b,$c,$d,$big_mib; print(f'| $round | $tool | {a:.2f} | {n/a:,.0f} | $ca | {b:.2f} | {c:.2f} | {m*1.048576/c:,.0f} | $cc | {d:.2f} | {m*1.048576/d:,.0f} | $cd |')"
done

if [ "$phases" = 1 ]; then
  echo
  echo "1 x $big_mib MiB, from the command's start (s): its first request; its first chunk to the layer; the chunks, first to last; the last chunk to the layer's answer (the layer hands the object to the emulator); that answer to the command's exit."
  echo
  echo "| round | tool | first request | first chunk | chunks | last chunk → stored | stored → exit |"
  echo "|---|---|---|---|---|---|---|"
  for r in "${phase_rows[@]}"; do
    read -r round tool a b c d e <<<"$r"
    echo "| $round | $tool | $a | $b | $c | $d | $e |"
  done
fi
