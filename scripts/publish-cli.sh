#!/usr/bin/env bash
# Builds the heavysync command for this machine's architecture into OUT: the build `./heavysync`
# runs and the benchmarks measure.
# Usage: scripts/publish-cli.sh OUT
#
# Self-contained, with the app and the .NET runtime precompiled together as one composite
# ReadyToRun image. Plain (framework-dependent) ReadyToRun cannot precompile the runtime's generic
# code instantiated over the app's types (every async method's state machine, every List<T> of an
# app type): each run compiled about 2,600 such methods at start-up, about 0.15 s of CPU before the
# first request. Composite precompiles them too. The price is a slower first build (about 110 s
# instead of 30 s on two cores) and a larger output (about 130 MB); the container image, whose
# workers run for hours, keeps the small framework-dependent build (see the Dockerfile).
#
# Intermediate files go under .build/artifacts, apart from the projects' obj/ and bin/: a
# self-contained composite build leaves files there that a later framework-dependent publish for the
# same runtime identifier would pick up (and crash on).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: scripts/publish-cli.sh OUT}"
case "$(uname -m)" in aarch64|arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
dotnet publish "$here/src/HeavySync.Cli/HeavySync.Cli.csproj" -c Release -r "$rid" --self-contained true \
  -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true \
  -p:UseArtifactsOutput=true -p:ArtifactsPath="$here/.build/artifacts" \
  -p:SatelliteResourceLanguages=en -p:PublishDocumentationFile=false \
  -o "$out" --nologo -v quiet
