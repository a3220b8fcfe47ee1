# syntax=docker/dockerfile:1
#
# Inference Portal image: published with the .NET SDK, run on the ASP.NET Core
# runtime image as its non-root "app" user, listening on 8080.
#
#   docker build -f deploy/docker/portal.Dockerfile -t inference-portal:dev .    # from the repository root
#   docker run --rm -p 8080:8080 -v portal-data:/data \
#     -e Kubernetes__Kubeconfig=/kube/config -v ~/.kube:/kube:ro inference-portal:dev
#
# Multi-platform: docker buildx build --platform linux/amd64,linux/arm64 ...
# (the SDK stage runs on the build machine and cross-publishes for TARGETARCH).
# A smaller, shell-less runtime: --build-arg RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled
# (the runtime stage has no RUN step, so it works unchanged).

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM --platform=$BUILDPLATFORM ${SDK_IMAGE} AS build
ARG TARGETARCH
WORKDIR /src
# global.json stays out: it pins the development machines' SDK feature band,
# and the SDK image ships only the newest band of .NET 10.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/ src/
COPY migrations/ migrations/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet restore src/Portal/Portal.csproj -a "$TARGETARCH"
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish src/Portal/Portal.csproj -c Release -a "$TARGETARCH" --no-restore \
      -o /app /p:UseAppHost=false
# The SQLite database directory (mount a volume here), owned by the runtime
# image's "app" user, UID 1654.
RUN mkdir -p /data && chown 1654:1654 /data

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
COPY --from=build --link /app ./
COPY --from=build --link --chown=1654:1654 /data /data
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_NOLOGO=1
EXPOSE 8080
# Non-root: the "app" user the .NET images define (APP_UID=1654).
USER $APP_UID
ENTRYPOINT ["dotnet", "Portal.dll"]
