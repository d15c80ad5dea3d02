#!/usr/bin/env bash
# Benchmark: the cluster lister planning N source x N destination keys on Postgres (default
# 1,000,000 x 1,000,000; 10% of the common keys changed, 1% source-only, 1% destination-only).
# bench/plan-bench runs the real lister (ListerRole: binary COPY ingest, set-based plan, publish to
# the Postgres queue) over synthetic listings, checks every planned task and ledger row against the
# in-memory planner, and prints a Markdown table; this script adds the process's peak RSS as
# /usr/bin/time sees it.
#
# Ends with a verdict table against the cluster targets (ingest >= 200,000 rows/s, plan <= 20 s,
# lister peak RSS <= 250 MB), judged on the worst pass: by wall clock as measured, and by CPU time,
# which a loaded machine inflates much less (the listing's CPU spread over the 2 cores its two sides
# use; the plan runs in one backend, so its CPU time is a floor for its wall time).
#
# Usage: bench/plan-bench.sh [OBJECTS]        (a multiple of 100; default 1000000)
# Env:   RUNS     lister passes per database (default 2: empty ledger, then the ledger run 1 learned)
#        REPEAT   fresh databases in a row (default 1)
#        BATCH    most rows per listing batch (default: the lister's, 10,000 = HEAVYSYNC_LISTING_BATCH;
#                 a batch is also saved 1 s after its first row, HEAVYSYNC_LISTING_BATCH_INTERVAL)
#        HEAVYSYNC_TEST_DIR  where the private Postgres lives (default /tmp/heavysync-bench)
#        DURABLE=1  start the server with fsync, synchronous_commit and full_page_writes on (the
#                   production defaults) instead of the test server's off; applies only when this
#                   script starts the server (the settings in force are printed either way)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
objects="${1:-1000000}"
runs="${RUNS:-2}"
repeat="${REPEAT:-1}"
export HEAVYSYNC_TEST_DIR="${HEAVYSYNC_TEST_DIR:-/tmp/heavysync-bench}"
work="$HEAVYSYNC_TEST_DIR/plan-bench"
mkdir -p "$work"

# A private server from the repo's own script; stopped at the end only if this script started it.
started=0
if ! { [ -f "$HEAVYSYNC_TEST_DIR/postgres/env" ] && [ -f "$HEAVYSYNC_TEST_DIR/postgres/data/postmaster.pid" ]; }; then
  started=1
fi
if [ "${DURABLE:-0}" = 1 ]; then
  export HEAVYSYNC_TEST_POSTGRES_OPTIONS="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
fi
"$here/scripts/postgres/start.sh" >/dev/null
[ "$started" -eq 1 ] && trap '"$here/scripts/postgres/stop.sh" >/dev/null 2>&1 || true' EXIT
# shellcheck disable=SC1091
. "$HEAVYSYNC_TEST_DIR/postgres/env"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
export PGPASSWORD=heavysync-test
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$HEAVYSYNC_TEST_POSTGRES_PORT" -U heavysync "$@"; }

dotnet build "$here/bench/plan-bench/PlanBench.csproj" -c Release --nologo -v quiet >/dev/null
dll="$here/bench/plan-bench/bin/Release/net10.0/PlanBench.dll"

echo "Postgres $(psql -d postgres -At -c "SHOW server_version"): $(psql -d postgres -At -F ' ' -c \
  "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings WHERE name IN
   ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'work_mem', 'maintenance_work_mem',
    'max_parallel_workers_per_gather', 'jit', 'max_wal_size')")"
echo "$(nproc) CPUs, $(free -g | awk '/^Mem:/ {print $2}') GiB; $(uptime)"
rm -f "$work"/table-*.md
for i in $(seq 1 "$repeat"); do
  psql -d postgres -c "DROP DATABASE IF EXISTS planbench" -c "CREATE DATABASE planbench" 2>/dev/null
  echo
  echo "### $(date -u '+%Y-%m-%d %H:%M UTC'), database $i of $repeat"
  /usr/bin/time -v -o "$work/time.txt" dotnet "$dll" --objects "$objects" --runs "$runs" ${BATCH:+--batch "$BATCH"} \
    --postgres "postgres://heavysync:heavysync-test@127.0.0.1:$HEAVYSYNC_TEST_POSTGRES_PORT/planbench" \
    >"$work/table-$i.md" || { cat "$work/table-$i.md"; echo "plan-bench failed" >&2; exit 1; }
  cat "$work/table-$i.md"
  rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  cpu=$(awk -F': ' '/Percent of CPU this job got/ {print $2}' "$work/time.txt")
  echo "Whole bench process (/usr/bin/time -v, including checking and generation): peak RSS $((rss_kb / 1024)) MB, CPU $cpu of one core on average."
  echo "$(uptime)"
done
psql -d postgres -c "DROP DATABASE IF EXISTS planbench"

# The verdict over every pass of every database: the worst pass decides.
echo
echo "### Verdict: $objects x $objects keys, $repeat database(s) x $runs pass(es), $(nproc) CPUs, $(uptime | sed 's/.*load/load/')"
echo
cat "$work"/table-*.md | awk -F'|' -v rows="$((2 * objects))" '
  function num(s) { gsub(/[^0-9.]/, "", s); return s + 0 }
  function commas(x,   s, r) { s = sprintf("%d", x); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }; return s r }
  function verdict(wallOk, cpuOk) { return wallOk ? "**met**" : cpuOk ? "**met by CPU time only**: the wall clock missed it (a loaded machine?)" : "**not met**" }
  $2 ~ /^ *[0-9]+ *$/ {
    n++
    ingest = num($5); split($6, c, "+"); lcpu = num(c[1]) + num(c[2]); plan = num($7); pcpu = num($8); rss = num($15)
    cpuRate = rows / (lcpu / 2)
    if (n == 1 || ingest < minIngest) minIngest = ingest
    if (n == 1 || ingest > maxIngest) maxIngest = ingest
    if (n == 1 || lcpu > maxLcpu) maxLcpu = lcpu
    if (n == 1 || plan > maxPlan) maxPlan = plan
    if (n == 1 || plan < minPlan) minPlan = plan
    if (n == 1 || pcpu > maxPcpu) maxPcpu = pcpu
    if (n == 1 || rss > maxRss) maxRss = rss
    if ($14 !~ /yes/) wrong++
  }
  END {
    if (n == 0) { print "no passes to judge"; exit 1 }
    minCpuRate = rows / (maxLcpu / 2)
    print "| target | measured, worst pass (best) | CPU time, worst pass | verdict |"
    print "|---|---|---|---|"
    printf "| ingest >= 200,000 rows/s | %s rows/s (%s) | %.1f CPU s (lister + Postgres) per %s rows: at most %s rows/s on 2 idle cores | %s |\n", \
      commas(minIngest), commas(maxIngest), maxLcpu, commas(rows), commas(minCpuRate), verdict(minIngest >= 200000, minCpuRate >= 200000)
    printf "| plan <= 20 s | %.2f s (%.2f s) | %.1f CPU s in one backend | %s |\n", maxPlan, minPlan, maxPcpu, verdict(maxPlan <= 20, maxPcpu <= 20)
    printf "| lister peak RSS <= 250 MB | %d MB | | %s |\n", maxRss, maxRss <= 250 ? "**met**" : "**not met**"
    if (wrong) printf "\n**%d pass(es) planned wrongly: nothing above counts.**\n", wrong
  }'
rm -f "$work"/table-*.md
