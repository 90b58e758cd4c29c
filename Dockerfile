# The synapse-ai sidecar as a container image.
#   docker build -t synapse-ai:0.1.0 .
#   docker run --rm -p 8088:8088 -e SAI_AUTH_TOKENS=$(openssl rand -hex 24) --read-only --tmpfs /tmp synapse-ai:0.1.0
# It listens on 0.0.0.0:8088 and therefore refuses to start without a token (SAI_AUTH_TOKENS or
# SAI_AUTH_TOKEN_FILE). SIGTERM stops it gracefully: no new connections, in-flight calls finish
# (server.shutdownTimeoutMs), exit 0. The root filesystem can be read-only; give it a writable /tmp,
# and a volume for the audit log if you set SAI_AUDIT_FILE.

# ---- build: install with the committed lock, compile, then drop the development dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json lerna.json tsconfig.json tsconfig.base.json ./
COPY packages ./packages
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && npx tsc -b \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf packages/*/src packages/*/dist/.tsbuildinfo

# ---- runtime: node, the compiled packages and their production dependencies, as an unprivileged user ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    SAI_HOST=0.0.0.0 \
    SAI_PORT=8088
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/packages ./packages
USER node
EXPOSE 8088
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SAI_PORT||8088)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# exec form: node is PID 1's child-free target of the container's SIGTERM
ENTRYPOINT ["node", "packages/cli/bin/synapse-ai.js"]
CMD ["serve"]
