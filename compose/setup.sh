#!/bin/sh
# One-off setup of docker-compose.yml's emulators: the Pub/Sub topic and subscription (for
# HEAVYSYNC_QUEUE=pubsub://...) and the GCS destination bucket. Idempotent: "already exists" is fine.
set -eu
pubsub="http://pubsub:8085/v1/projects/heavysync-local"
curl -sS -X PUT "$pubsub/topics/heavysync" -o /dev/null
curl -sS -X PUT "$pubsub/subscriptions/heavysync" -H 'Content-Type: application/json' \
  -d '{"topic":"projects/heavysync-local/topics/heavysync","ackDeadlineSeconds":300}' -o /dev/null
curl -sS -X POST "http://gcs:4443/storage/v1/b?project=heavysync-local" -H 'Content-Type: application/json' \
  -d '{"name":"mirror"}' -o /dev/null
echo "pubsub topic/subscription heavysync and gcs bucket mirror ready"
