#!/usr/bin/env bash
# Builds the heavysync command for this machine's architecture into OUT: the build `./heavysync`
# runs, the end-to-end tests run (scripts/test.sh) and the benchmarks measure.
# Usage: scripts/publish-cli.sh OUT
#
# Native (ahead-of-time compiled): one executable with no .NET runtime to start, no type loading and
# no JIT. A one-object sync sends its first request about 30 ms after it starts, where the earlier
# self-contained composite ReadyToRun build needed 180 ms (and 0.4 s more CPU per run), and rclone
# about 60 ms (docs/benchmarks.md). The code is written for it: JSON is source-generated, Dapper's
# queries are generated at build time (Dapper.AOT), the AWS SDK gets its STS client explicitly. The
# third-party assemblies below still carry reflection the trimmer cannot follow; the paths heavysync
# takes through them (Google's credential files, SQLite) are covered by the end-to-end tests, which
# run this build. The container image, whose workers run for hours, keeps the framework-dependent
# ReadyToRun build (see the Dockerfile).
#
# Needs a C toolchain and zlib headers to link (clang or gcc, zlib1g-dev): installed when missing.
# Intermediate files go under .build/artifacts, apart from the projects' obj/ and bin/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: scripts/publish-cli.sh OUT}"
case "$(uname -m)" in aarch64|arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
if ! { command -v clang >/dev/null || command -v gcc >/dev/null; } || [ ! -f /usr/include/zlib.h ]; then
  echo "publish-cli: installing a C toolchain to link the native build (clang, zlib1g-dev)" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang zlib1g-dev; } >&2
fi
# The native compiler's incremental check does not follow the trimming descriptors
# (src/HeavySync.Cli/*.Descriptors.xml): it always runs from scratch.
rm -rf "$here/.build/artifacts/obj/HeavySync.Cli/"*/native
# Any trimming or AOT warning in our code fails the build (see HeavySync.Cli.csproj for the
# third-party ones let through).
dotnet publish "$here/src/HeavySync.Cli/HeavySync.Cli.csproj" -c Release -r "$rid" -p:PublishAot=true \
  -p:UseArtifactsOutput=true -p:ArtifactsPath="$here/.build/artifacts" \
  -p:SatelliteResourceLanguages=en -p:PublishDocumentationFile=false \
  -o "$out" --nologo -v quiet
# Debug symbols stay with the build artifacts; the program is the executable and the SQLite library.
rm -f "$out"/*.dbg "$out"/*.pdb "$out"/*.xml
