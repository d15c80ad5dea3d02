#!/usr/bin/env bash
# Starts a throw-away one-node Ceph cluster with radosgw (a real S3 implementation) on 127.0.0.1
# for the integration tests. Idempotent: when the cluster under the state dir already answers, it
# only reprints the env file. Everything binds to 127.0.0.1; nothing survives stop.sh (memstore).
#
#   HEAVYSYNC_TEST_DIR            base state dir (default /tmp/heavysync-test); ours is $it/radosgw
#   HEAVYSYNC_TEST_RADOSGW_PORT   S3 port (default: first free from 17480)
#
# Writes $HEAVYSYNC_TEST_DIR/radosgw/env (sourceable) with HEAVYSYNC_TEST_S3_ENDPOINT,
# HEAVYSYNC_TEST_S3_ACCESS_KEY, HEAVYSYNC_TEST_S3_SECRET_KEY, ..._ACCESS_KEY_2, ..._SECRET_KEY_2.
set -euo pipefail

BASE="${HEAVYSYNC_TEST_DIR:-/tmp/heavysync-test}"
DIR="$BASE/radosgw"
CONF="$DIR/ceph.conf"
ENV_FILE="$DIR/env"
LOG="$DIR/start.log"

# Fixed test-only keys: these protect nothing (loopback, throw-away cluster).
ACCESS_KEY_1="HEAVYSYNCTESTKEY0001"
SECRET_KEY_1="heavysync-test-secret-0001-xxxxxxxxxxxxx"
ACCESS_KEY_2="HEAVYSYNCTESTKEY0002"
SECRET_KEY_2="heavysync-test-secret-0002-xxxxxxxxxxxxx"

log() { printf '%s radosgw/start: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; [ -f "$LOG" ] && tail -n 30 "$LOG" >&2; exit 1; }

ensure_installed() {
  local packages=()
  command -v radosgw >/dev/null || packages+=(radosgw)
  command -v ceph-mon >/dev/null || packages+=(ceph-mon)
  command -v ceph-osd >/dev/null || packages+=(ceph-osd)
  command -v curl >/dev/null || packages+=(curl)
  command -v ss >/dev/null || packages+=(iproute2)
  [ "${#packages[@]}" = 0 ] && return
  log "installing ${packages[*]} with apt"
  [ "$(id -u)" = 0 ] || die "missing ${packages[*]} and not root: apt-get install -y --no-install-recommends ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >/dev/null
  apt-get install -y --no-install-recommends "${packages[@]}" >/dev/null
}

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }

# First port at or after $1 with $2 consecutive free ports.
free_port_range() {
  local p=$1 n=$2 i ok
  while [ "$p" -lt 65000 ]; do
    ok=1
    for ((i = 0; i < n; i++)); do
      if ! port_free $((p + i)); then ok=0; p=$((p + i + 1)); break; fi
    done
    [ "$ok" = 1 ] && { echo "$p"; return; }
  done
  die "no free port range of $n from $1"
}

# The ceph CLI can wait forever for a monitor that never answers: bound every call.
ceph_cli() { timeout 30 ceph -c "$CONF" --connect-timeout 10 "$@"; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

s3_answers() { curl -fs -o /dev/null --max-time 2 "$1/"; }

already_running() {
  [ -f "$ENV_FILE" ] || return 1
  pid_alive "$DIR/run/mon.pid" && pid_alive "$DIR/run/osd.pid" && pid_alive "$DIR/run/rgw.pid" || return 1
  # shellcheck disable=SC1090
  (. "$ENV_FILE" && s3_answers "$HEAVYSYNC_TEST_S3_ENDPOINT")
}

write_conf() {
  local fsid=$1 mon_port=$2 bind_min=$3 bind_max=$4 rgw_port=$5
  cat >"$CONF" <<EOF
[global]
fsid = $fsid
mon_host = v1:127.0.0.1:$mon_port
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_msgr2 = false
ms_bind_ipv6 = false
ms_bind_port_min = $bind_min
ms_bind_port_max = $bind_max
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
run_dir = $DIR/run
admin_socket = $DIR/run/\$name.asok
log_file = $DIR/log/\$name.log
pid_file = $DIR/run/\$type.pid
keyring = $DIR/keyring
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_max_pg_per_osd = 1000
# A one-node throw-away cluster: commit paxos rounds quickly (18 s -> ~1.3 s to ready).
paxos_propose_interval = 0.05
paxos_min_wait = 0.01
mon_data_avail_warn = 1
mon_data_avail_crit = 0

[mon]
mon_data = $DIR/mon/\$id

[osd]
osd_objectstore = memstore
osd_data = $DIR/osd/\$id
memstore_device_bytes = 8589934592
osd_max_object_name_len = 1024

[client.rgw]
rgw_frontends = beast endpoint=127.0.0.1:$rgw_port tcp_nodelay=1
rgw_dns_name = 127.0.0.1
rgw_enable_usage_log = false
# Test-only: S3 refuses parts under 5 MiB; a smaller floor lets the tests drive multipart uploads
# and UploadPartCopy through many parts with small objects. The store's own default stays 8 MiB.
rgw_multipart_min_part_size = 65536
EOF
}

start_mon() {
  local fsid=$1 mon_port=$2
  monmaptool --create --fsid "$fsid" --addv a "[v1:127.0.0.1:$mon_port/0]" "$DIR/monmap" >>"$LOG" 2>&1
  ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >>"$LOG" 2>&1
  mkdir -p "$DIR/mon/a"
  ceph-mon -c "$CONF" -i a --mkfs --monmap "$DIR/monmap" --keyring "$DIR/keyring" >>"$LOG" 2>&1 || die "ceph-mon --mkfs failed"
  # Daemons must not inherit the lock (fd 9): it would stay held for as long as they run.
  ceph-mon -c "$CONF" -i a >>"$LOG" 2>&1 9>&- || die "ceph-mon did not start"
  local i
  for ((i = 0; i < 100; i++)); do
    ceph_cli mon stat >>"$LOG" 2>&1 && return
    sleep 0.2
  done
  die "ceph-mon did not answer"
}

# A fresh OSD fails about one start in eight: its boot-time "osd create" reaches the monitor with
# "wrong fsid" and the daemon stays down. Starting the same OSD again (a fresh one after three
# tries) brings it up.
start_osd() {
  local attempt uuid="" id="" i
  for ((attempt = 1; attempt <= 6; attempt++)); do
    if [ -z "$id" ] || [ $((attempt % 3)) = 1 ]; then
      rm -rf "$DIR/osd"
      uuid=$(cat /proc/sys/kernel/random/uuid)
      id=$(ceph_cli osd new "$uuid" 2>>"$LOG") || die "ceph osd new failed"
      mkdir -p "$DIR/osd/$id"
      ceph-osd -c "$CONF" -i "$id" --mkfs --osd-uuid "$uuid" >>"$LOG" 2>&1 || { log "ceph-osd --mkfs failed"; continue; }
    fi
    if ceph-osd -c "$CONF" -i "$id" >>"$LOG" 2>&1 9>&-; then
      for ((i = 0; i < 40; i++)); do
        if ceph_cli osd dump 2>>"$LOG" | grep -Eq "^osd\.$id up +in"; then
          return
        fi
        pid_alive "$DIR/run/osd.pid" || break
        sleep 0.2
      done
    fi
    log "OSD start attempt $attempt failed; retrying"
    if pid_alive "$DIR/run/osd.pid"; then
      kill -9 "$(cat "$DIR/run/osd.pid")" 2>/dev/null || true
    fi
    rm -f "$DIR/run/osd.pid"
    sleep 0.3
  done
  die "ceph-osd did not come up"
}

start_rgw() {
  local endpoint=$1 i
  ceph_cli osd pool create .rgw.root 8 8 >>"$LOG" 2>&1 || true
  radosgw -c "$CONF" -n client.rgw >>"$LOG" 2>&1 9>&- || die "radosgw did not start"
  for ((i = 0; i < 300; i++)); do
    s3_answers "$endpoint" && return
    pid_alive "$DIR/run/client.pid" || pid_alive "$DIR/run/rgw.pid" || [ "$i" -lt 20 ] || die "radosgw exited"
    sleep 0.1
  done
  die "radosgw did not answer on $endpoint"
}

create_user() {
  local uid=$1 access=$2 secret=$3
  if timeout 60 radosgw-admin -c "$CONF" -n client.rgw user info --uid="$uid" >/dev/null 2>&1; then
    return
  fi
  timeout 60 radosgw-admin -c "$CONF" -n client.rgw user create --uid="$uid" --display-name="HeavySync test $uid" \
    --access-key="$access" --secret-key="$secret" >>"$LOG" 2>&1 || die "radosgw-admin user create $uid failed"
}

main() {
  ensure_installed
  # Test processes started at once (several test projects, a CI step and a developer) must not
  # build two clusters in one directory: one start at a time; the others then find it running.
  mkdir -p "$BASE"
  exec 9>"$BASE/.radosgw.lock"
  flock -w 300 9 || die "another start.sh holds $BASE/.radosgw.lock"
  if already_running; then
    log "already running"
    cat "$ENV_FILE"
    return
  fi
  # Half-started or stale leftovers: clear them first (we hold the lock stop.sh would take).
  HEAVYSYNC_RADOSGW_LOCKED=1 "$(dirname "$0")/stop.sh" >/dev/null 2>&1 || true
  mkdir -p "$DIR/run" "$DIR/log"
  : >"$LOG"

  local rgw_port mon_port bind_min fsid endpoint
  rgw_port="${HEAVYSYNC_TEST_RADOSGW_PORT:-$(free_port_range 17480 1)}"
  port_free "$rgw_port" || die "port $rgw_port is in use"
  mon_port=$(free_port_range 16789 1)
  bind_min=$(free_port_range 16800 40)
  fsid=$(cat /proc/sys/kernel/random/uuid)
  endpoint="http://127.0.0.1:$rgw_port"

  write_conf "$fsid" "$mon_port" "$bind_min" $((bind_min + 39)) "$rgw_port"
  log "starting mon on 127.0.0.1:$mon_port"
  start_mon "$fsid" "$mon_port"
  log "starting osd"
  start_osd
  log "starting radosgw on $endpoint"
  start_rgw "$endpoint"
  # radosgw's pid file is named after its type ("client"); keep one stable name for stop.sh.
  [ -f "$DIR/run/client.pid" ] && cp "$DIR/run/client.pid" "$DIR/run/rgw.pid"
  create_user heavysync1 "$ACCESS_KEY_1" "$SECRET_KEY_1"
  create_user heavysync2 "$ACCESS_KEY_2" "$SECRET_KEY_2"

  cat >"$ENV_FILE.tmp" <<EOF
HEAVYSYNC_TEST_S3_ENDPOINT=$endpoint
HEAVYSYNC_TEST_S3_ACCESS_KEY=$ACCESS_KEY_1
HEAVYSYNC_TEST_S3_SECRET_KEY=$SECRET_KEY_1
HEAVYSYNC_TEST_S3_ACCESS_KEY_2=$ACCESS_KEY_2
HEAVYSYNC_TEST_S3_SECRET_KEY_2=$SECRET_KEY_2
EOF
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  log "ready: $endpoint (env in $ENV_FILE)"
  cat "$ENV_FILE"
}

main "$@"
