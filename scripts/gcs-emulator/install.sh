#!/usr/bin/env bash
# Installs Google's Cloud Storage emulator (npm firebase-tools, pinned) once into a cache dir, so
# repeat runs skip the ~2 minute npm install. Prints the install dir.
#   HEAVYSYNC_FIREBASE_TOOLS_DIR  where to install (default ~/.cache/heavysync/firebase-tools-VERSION)
set -euo pipefail
VERSION="15.34.2"
DIR="${HEAVYSYNC_FIREBASE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/heavysync/firebase-tools-$VERSION}"
MARKER="$DIR/node_modules/firebase-tools/lib/emulator/storage/index.js"
if [ -f "$MARKER" ] && grep -q "\"version\": \"$VERSION\"" "$DIR/node_modules/firebase-tools/package.json"; then
  echo "$DIR"
  exit 0
fi
command -v npm >/dev/null || { echo "gcs-emulator/install: npm is required (apt-get install -y nodejs npm)" >&2; exit 1; }
mkdir -p "$DIR"
echo "gcs-emulator/install: installing firebase-tools@$VERSION into $DIR (once; about 2 minutes)" >&2
# A lock, so two test runs never install into the same dir at once.
exec 8>"$DIR/.install.lock"
flock -w 600 8
if [ ! -f "$MARKER" ]; then
  npm install --no-audit --no-fund --loglevel=error --prefix "$DIR" "firebase-tools@$VERSION" >&2
fi
echo "$DIR"
