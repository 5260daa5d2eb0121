# syntax=docker/dockerfile:1
# Both stages start from one image, pinned by digest: the tag stays in the reference for readers
# and for bots (Renovate, Dependabot) that move tag and digest together; the digest is what is
# pulled. It is the multi-platform index (amd64, arm64, ppc64le) of node:24-bookworm-slim at
# Node 24.18.0 (Debian bookworm): docker-library/repo-info, the official images' record of the
# registry, lists it for node:krypton-slim (Node 24's LTS name) at 24.18.0, and independent public
# Dockerfiles use it as node:24.18.0-bookworm-slim. It was NOT verified against a registry here
# (none is reachable from the machine this was written on). Check it, or move to a newer one,
# where a registry is reachable:
#   docker buildx imagetools inspect node:24-bookworm-slim
# prints the index digest ("Digest: sha256:…"); put it after the @ below.
# test/deploy/dockerfile.test.ts fails while any FROM is not pinned by digest.
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

# Build stage: installs the production dependencies. zstd-napi downloads a prebuilt binary and,
# when it cannot, compiles itself with node-gyp: the slim image has no toolchain, so the stage
# installs one (python3, make, g++), which stays out of the runtime stage. sluice is TypeScript
# run directly by Node 24's type stripping, so there is no compile step; `npm ci --omit=dev` also
# leaves out the `node` npm package that pins Node 24 for development: the image's own Node 24
# runs sluice here.
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install --no-install-recommends -y python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY src ./src
COPY workers ./workers
COPY bin ./bin

# Runtime stage: the same Node 24 slim image, no toolchain, non-root.
FROM ${NODE_IMAGE}
# Declared again: an ARG before the first FROM is visible only in FROM lines.
ARG NODE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="sluice" \
      org.opencontainers.image.description="Log delivery engine: Kafka in, filtered, trimmed, encoded and compressed batches out to object storage and HTTP" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
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
