# syntax=docker/dockerfile:1
# Base images by tag, not yet by digest: no digest of node:24-bookworm / node:24-bookworm-slim
# could be confirmed from an authoritative source when this was written (no registry access).
# Pin them before a production build: `docker buildx imagetools inspect node:24-bookworm-slim`
# prints the index digest; write it as FROM node:24-bookworm-slim@sha256:<digest> (keeping the
# tag for readers) and let a bot (Renovate, Dependabot) move both together.
ARG NODE_BUILD_IMAGE=node:24-bookworm
ARG NODE_RUNTIME_IMAGE=node:24-bookworm-slim

# Build stage: installs the production dependencies, compiling zstd-napi from source (needs the
# C++ toolchain this image has). sluice is TypeScript run directly by Node 24's type stripping,
# so there is no compile step; `npm ci --omit=dev` also leaves out the `node` npm package that
# pins Node 24 for development: the image's own Node 24 runs sluice here.
FROM ${NODE_BUILD_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY src ./src
COPY workers ./workers
COPY bin ./bin

# Runtime stage: Node 24 slim, no toolchain, non-root.
FROM ${NODE_RUNTIME_IMAGE}
# Declared again: an ARG before the first FROM is visible only in FROM lines.
ARG NODE_RUNTIME_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="sluice" \
      org.opencontainers.image.description="Log delivery engine: Kafka in, filtered, trimmed, encoded and compressed batches out to object storage and HTTP" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${NODE_RUNTIME_IMAGE}"
ENV NODE_ENV=production \
    SLUICE_TELEMETRY_LISTEN=0.0.0.0:9464
WORKDIR /app
# Code and dependencies belong to root and are read-only to the runtime user: a compromised
# process cannot rewrite what runs next time. Only /app/data (data_dir: quarantine, the file job
# store, keys) belongs to `node`; with a read-only root filesystem (Kubernetes
# readOnlyRootFilesystem) mount a volume there. COPY without --chown gives root:root, and the
# build stage wrote everything as root with umask 022 (files 644, directories 755): `node` can
# read and run, not write. (A `chmod -R` here would copy every file into another layer.)
COPY --from=build /app /app
RUN mkdir -p /app/data && chown node:node /app/data && chmod 0750 /app/data
USER node
VOLUME ["/app/data"]
# Admin API (when the config has api:; set SLUICE_API_LISTEN=0.0.0.0:8787 to reach it from
# outside the container) and the ops listener (/metrics, /healthz, /readyz), opened on all
# interfaces by SLUICE_TELEMETRY_LISTEN above.
EXPOSE 8787 9464
# The slim image has no curl: Node itself asks /healthz (200 while the process serves HTTP).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Graceful shutdown takes up to shutdown.deadline_seconds (default 25 s): give `docker stop` more
# (docker stop -t 35, compose stop_grace_period: 35s); its own default is 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/src/cli/main.ts"]
CMD ["run", "--config", "/etc/sluice/config.yaml"]
