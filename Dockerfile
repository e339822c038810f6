# syntax=docker/dockerfile:1
# One image for every llm-finops role (collector, API, scheduler, migrate, demo); the command picks
# the role. Runs the TypeScript sources through tsx (bin/llm-finops.js), so there is no build step.
FROM node:24-slim

ENV NODE_ENV=production \
    LLM_FINOPS_DATA_DIR=/var/lib/llm-finops
WORKDIR /app

# Manifests first so the dependency layer is cached until they change. chdb ships a native
# engine; it stays installed because `llm-finops` falls back to it when CLICKHOUSE_URL is unset.
COPY package*.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY sql ./sql
COPY schemas ./schemas
COPY dashboards ./dashboards

# The data dir holds the collector's fsynced spool (a 200 is only sent once a request is on disk)
# and the routing-feed signing key; created here so volumes mounted on it belong to `node`.
RUN mkdir -p /var/lib/llm-finops/keys && chown -R node:node /var/lib/llm-finops
VOLUME ["/var/lib/llm-finops"]
USER node

EXPOSE 4317 4318 8080
ENTRYPOINT ["node", "bin/llm-finops.js"]
# 0.0.0.0 is the container's own interface (a port can only be published from there). Start
# refuses it without ingest and API keys (security.*_keys, e.g. as ${env:...} references), so
# the image never serves unauthenticated; publish with `-p 127.0.0.1:8080:8080` unless a TLS
# proxy fronts it.
CMD ["start", "--host", "0.0.0.0"]
