# syntax=docker/dockerfile:1
# Warden's container image: build with `docker build -t warden .` at the repository root.
# Runs as the non-root user `app` (uid 1654, from the base image); writes only to /data (a volume: the SQLite file,
# the key-encryption key when generated, mail pickup files) and /tmp, so `--read-only` / readOnlyRootFilesystem
# works. Settings: docs/configuration.md (Warden__Section__Key environment variables); operations: docs/operations.md.
# Base images are pinned to the SDK and runtime Warden is built and tested with (bump both together).

# --- build: restore, then publish ReadyToRun (precompiled: a faster start, the price a larger image) ---
FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS build
ARG RUNTIME_ID=linux-x64
WORKDIR /src
# Restore first, from the project files only, so the layer is reused until a package changes.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Warden.Policies/Warden.Policies.csproj src/Warden.Policies/
COPY src/Warden.Server/Warden.Server.csproj src/Warden.Server/
RUN dotnet restore src/Warden.Server/Warden.Server.csproj -r "$RUNTIME_ID" -p:PublishReadyToRun=true
COPY src/ src/
RUN dotnet publish src/Warden.Server/Warden.Server.csproj -c Release -r "$RUNTIME_ID" --self-contained false \
      --no-restore -p:PublishReadyToRun=true -o /app \
    && mkdir -p /data

# --- runtime: ASP.NET Core on Ubuntu chiseled with ICU ("extra"): no shell, no package manager ---
FROM mcr.microsoft.com/dotnet/aspnet:10.0.12-noble-chiseled-extra AS runtime
WORKDIR /app
COPY --from=build --chown=root:root /app ./
# /data belongs to the app user; everything else stays root-owned and read-only to it.
COPY --from=build --chown=1654:1654 /data /data
# MALLOC_ARENA_MAX=2: each password hash mallocs 19 MiB; with glibc's default of eight arenas per core a sign-in
# flood left ~450-650 MB resident, with two ~300 MB (bench/RESULTS.md, "Memory").
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Warden__DataDirectory=/data \
    Warden__Logging__Format=json \
    TMPDIR=/tmp \
    MALLOC_ARENA_MAX=2
USER 1654:1654
VOLUME ["/data"]
EXPOSE 8080
# The binary's own probe (curl is not in the image): exit 0 when /health/live answers 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/app/Warden.Server", "healthcheck"]
ENTRYPOINT ["/app/Warden.Server"]
CMD ["serve"]
