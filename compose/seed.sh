#!/bin/sh
# Seeds docker-compose.yml's S3 server: buckets "source" (500 small random objects in 5 prefixes)
# and "mirror" (empty). Run by the s3-seed service with the MinIO client; idempotent.
set -eu
mc alias set local http://s3:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing local/source local/mirror
mkdir -p /tmp/seed
i=0
while [ "$i" -lt 500 ]; do
  mkdir -p "/tmp/seed/dir$((i % 5))"
  head -c $((1024 + i * 37)) /dev/urandom > "/tmp/seed/dir$((i % 5))/object-$i.bin"
  i=$((i + 1))
done
mc cp --recursive --quiet /tmp/seed/ local/source/
echo "seeded s3://source with 500 objects"
