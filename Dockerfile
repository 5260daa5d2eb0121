# syntax=docker/dockerfile:1
# Build stage: installs the production dependencies, compiling zstd-napi from source (needs the
# C++ toolchain this image has). sluice is TypeScript run directly by Node 24's type stripping,
# so there is no compile step; `npm ci --omit=dev` also leaves out the `node` npm package that
# pins Node 24 for development: the image's own Node 24 runs sluice here.
FROM node:24-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY src ./src
COPY workers ./workers
COPY bin ./bin

# Runtime stage: Node 24 slim, no toolchain, non-root.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /app/data && chown node:node /app/data
USER node
# data_dir (quarantine, the file job store, ownership secret) defaults to ./data = /app/data.
VOLUME ["/app/data"]
# Admin API (when configured with api:).
EXPOSE 8787
ENTRYPOINT ["node", "/app/src/cli/main.ts"]
CMD ["run", "--config", "/etc/sluice/config.yaml"]
