# syntax=docker/dockerfile:1
# HeavySync: one image for every role; the command picks it (db migrate, job create, lister, copier,
# finalizer, status, sync). Build:  docker build -t heavysync .
#
# Size: the runtime base (Ubuntu 24.04 chiseled: .NET runtime 10, no shell, no package manager) is
# about 85 MB uncompressed and shared by every .NET image on a node; HeavySync adds about 15 MB
# (framework-dependent, ReadyToRun, one architecture, libe_sqlite3.so included, no satellite
# languages or XML docs; the publish below measured 15 MB and DockerfilePublishTests holds it under
# 40 MB), so expect an image of about 100 MB, about 40 MB compressed in a registry.
#
# Why framework-dependent rather than self-contained + trimmed: Dapper, the AWS SDK and
# Google.Apis reflect over types the trimmer cannot see, and the runtime layer is shared with other
# .NET images anyway. The `./heavysync` command builds differently (scripts/publish-cli.sh: the
# runtime and the app precompiled together, about 130 MB): that saves about 0.15 s of start-up per
# run, which matters for a command run by hand, not for copier and lister pods.

# The SDK runs on the build machine and cross-publishes for the target architecture (amd64, arm64).
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
ARG TARGETARCH
WORKDIR /src
# Restore first, from the project files alone, so source edits reuse the package layer.
COPY nuget.config Directory.Build.props Directory.Packages.props ./
COPY src/HeavySync.Core/HeavySync.Core.csproj src/HeavySync.Core/
COPY src/HeavySync.State/HeavySync.State.csproj src/HeavySync.State/
COPY src/HeavySync.Aws/HeavySync.Aws.csproj src/HeavySync.Aws/
COPY src/HeavySync.Google/HeavySync.Google.csproj src/HeavySync.Google/
COPY src/HeavySync.Cli/HeavySync.Cli.csproj src/HeavySync.Cli/
RUN dotnet restore src/HeavySync.Cli/HeavySync.Cli.csproj -a $TARGETARCH -p:PublishReadyToRun=true
COPY src/ src/
# No tests here: the test suite runs in CI, not in the image build.
RUN dotnet publish src/HeavySync.Cli/HeavySync.Cli.csproj --no-restore -c Release -a $TARGETARCH --self-contained false \
      -p:PublishReadyToRun=true -p:SatelliteResourceLanguages=en -p:PublishDocumentationFile=false \
      -p:PublishReferencesDocumentationFiles=false -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0-noble-chiseled
WORKDIR /app
COPY --from=build /app ./
# The image's non-root user 'app' (UID 1654), numeric so Kubernetes can check runAsNonRoot.
USER 1654:1654
ENTRYPOINT ["/app/heavysync"]
CMD ["--help"]
