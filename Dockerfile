# syntax=docker/dockerfile:1
# Build stage: installs dependencies, compiling zstd-napi from source (needs a C++ toolchain).
FROM node:24-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm prune --omit=dev
COPY src ./src
COPY workers ./workers
COPY bin ./bin

# Runtime stage: Node 24 slim, no toolchain, non-root.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
# The node image's own Node 24 runs sluice; the `node` npm package in node_modules is the
# same major version and only matters outside containers.
ENTRYPOINT ["node", "/app/src/cli/main.ts"]
CMD ["run", "--config", "/etc/sluice/config.yaml"]
