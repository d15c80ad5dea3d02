#!/usr/bin/env bash
# Benchmark: local -> local sync of N x 1 KiB files, heavysync vs rclone sync at the same
# concurrency, in one run on one machine. Prints a Markdown table row per tool and size.
# Usage: bench/local-bench.sh [COUNTS...]   (default: 100000 200000)
# Env: CONCURRENCY (default 16), WORK (default /tmp/heavysync-bench)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -gt 0 ]; then counts=("$@"); else counts=(100000 200000); fi
concurrency="${CONCURRENCY:-16}"
work="${WORK:-/tmp/heavysync-bench}"
command -v rclone >/dev/null || { apt-get update -qq && apt-get install -y -qq rclone >/dev/null; }

"$here/scripts/publish-cli.sh" "$work/bin" >/dev/null  # the build ./heavysync runs
hs="$work/bin/heavysync"

make_tree() { # dir count
  python3 - "$1" "$2" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
data = os.urandom(1024)
for i in range(n):
    d = os.path.join(root, f"d{i % 100:02d}", f"s{(i // 100) % 100:02d}")
    if i % 10000 == 0 or not os.path.isdir(d):
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:07d}.bin"), "wb") as f:
        f.write(data[i % 512:] + data[:i % 512])
PY
}

measure() { # cmd... ; prints "seconds peak_rss_kb"
  /usr/bin/time -o "$work/time.txt" -f "%e %M" "$@" >/dev/null 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; return 1; }
  cat "$work/time.txt"
}

echo "| files | tool | seconds | objects/s | peak RSS (MB) |"
echo "|---|---|---|---|---|"
for n in "${counts[@]}"; do
  rm -rf "$work/src" "$work/dst-hs" "$work/dst-rc" "$work/state.db"*
  # ext4 skips inodes deleted in the last ~30 s when allocating new ones, and scanning past many of
  # them dominates file creation: let the deletions above age so neither tool pays for them.
  sync; sleep "${SETTLE_SECONDS:-40}"
  mkdir -p "$work/src"
  make_tree "$work/src" "$n"
  # Each tool starts from a cold page cache, so neither profits from the other's reads.
  cold() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }

  cold; read -r s_hs m_hs < <(measure "$hs" sync "$work/src" "$work/dst-hs" --state "$work/state.db" --concurrency "$concurrency" --quiet)
  cold; read -r s_rc m_rc < <(measure rclone sync "$work/src" "$work/dst-rc" --transfers "$concurrency" --checkers "$concurrency")
  cold; read -r s_hs2 m_hs2 < <(measure "$hs" sync "$work/src" "$work/dst-hs" --state "$work/state.db" --concurrency "$concurrency" --quiet)
  cold; read -r s_rc2 m_rc2 < <(measure rclone sync "$work/src" "$work/dst-rc" --transfers "$concurrency" --checkers "$concurrency")

  for row in "heavysync|$s_hs|$m_hs" "rclone|$s_rc|$m_rc" "heavysync (no-change re-sync)|$s_hs2|$m_hs2" "rclone (no-change re-sync)|$s_rc2|$m_rc2"; do
    IFS='|' read -r tool secs kb <<<"$row"
    python3 -c "import sys; n,s,kb=int(sys.argv[1]),float(sys.argv[2]),int(sys.argv[3]); print(f'| {n:,} | {sys.argv[4]} | {s:.2f} | {n/max(s,0.001):,.0f} | {kb/1024:.0f} |')" "$n" "$secs" "$kb" "$tool"
  done
done
rm -rf "$work/src" "$work/dst-hs" "$work/dst-rc"
