# The service image: compiled TypeScript on Node 26 LTS (the version the tests run on), production
# dependencies only, a non-root user, tini as PID 1 so SIGTERM reaches Node for a graceful shutdown.
# `--omit=optional` too: TypeScript is an optional peer of valibot that npm would otherwise ship.
# The same image runs the async job worker: `node dist/app/worker.js` as the command (it serves no HTTP, so
# run it with `--no-healthcheck`, or a platform health check on its process).
#
# Where HTTPS goes through a proxy with its own certificate authority, pass that CA as the build secret
# `npm_ca` (`--secret id=npm_ca,src=$NODE_EXTRA_CA_CERTS`): the installing stages trust it while npm runs,
# and it is in no layer of any stage. Without the secret the build is the same.
ARG NODE_IMAGE=node:26-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npm_ca \
  if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi \
  && npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY app ./app
RUN npm run build

# The production dependencies, installed once here; the runtime stage copies them and installs nothing.
FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npm_ca \
  if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi \
  && npm ci --omit=dev --omit=optional --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
# A 2 MiB young generation: a streaming upload's garbage is collected as it goes, so a 1 GiB upload grows the
# process by ~16 MiB (V8's defaults: ~66 MiB), for up to 10-15% of small uploads' throughput (bench/README.md).
ENV NODE_ENV=production \
    PORT=3000 \
    NODE_OPTIONS=--max-semi-space-size=2
WORKDIR /app
COPY package.json ./
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/app/server.js"]
