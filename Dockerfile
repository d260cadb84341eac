# syntax=docker/dockerfile:1
# AdNova image: one image for the API, the worker, the bot and the one-shot migrator (the
# command and ADNOVA_ROLES choose). TypeScript runs through tsx, so there is no build stage for
# the sources; the dependency stage installs production packages only.

# --- dependencies: production node_modules for every workspace ---
FROM node:20.20-bookworm-slim AS deps
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
COPY packages/ads-throttle/package.json packages/ads-throttle/
COPY packages/core/package.json packages/core/
COPY packages/server/package.json packages/server/
COPY packages/bot/package.json packages/bot/
COPY packages/tools/package.json packages/tools/
COPY packages/test-utils/package.json packages/test-utils/
RUN npm ci --omit=dev && npm cache clean --force

# --- runtime: sources plus the dependencies, as the unprivileged `node` user ---
FROM node:20.20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 DATA_DIR=/app/data
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=deps --chown=node:node /app/packages ./packages
COPY --chown=node:node package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY --chown=node:node packages ./packages
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--import", "tsx", "--conditions=source", "packages/server/src/main.ts"]
