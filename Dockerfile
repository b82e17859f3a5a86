# Atrium's production image. Build: docker build -t atrium-gateway .
# Run:   docker run -p 4000:4000 -v "$PWD:/config:ro" atrium-gateway
#        (reads /config/gateway.yaml and /config/supergraph.yaml; see docs/production.md)
# The demo subgraphs for docker-compose.yml: docker build --target demo -t atrium-demo .
#
# The base is pinned by its exact version tag: a rebuild gets the same Node. Slim is Debian (glibc), so
# Hive's native planner runs (it ships glibc binaries only; on musl Atrium falls back to Apollo's planner).

# 1. build: every dependency, then tsc (dist/gateway, dist/subgraphs, dist/gateway.schema.json), the
#    bundled browser pages (dist/browser: the GraphQL IDE and the OpenAPI viewer) and the bundled server
#    thread of `atrium serve` (dist/gateway/serve-bundle, for a faster start).
FROM node:26.12.1-trixie-slim AS build
ENV APOLLO_TELEMETRY_DISABLED=1
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied; the build runs below, so this
# layer is reused until the lock file changes.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY gateway ./gateway
COPY subgraphs ./subgraphs
COPY schema ./schema
RUN npm run build

# 2. demo: the demo subgraphs (docker-compose.yml runs one container per subgraph). Not for production.
FROM build AS demo
USER node
CMD ["node", "dist/subgraphs/serve-subgraph.js", "products", "--port", "4002", "--host", "0.0.0.0"]

# 3. runtime (the default target): production dependencies and the compiled gateway only.
FROM node:26.12.1-trixie-slim AS runtime
ENV NODE_ENV=production APOLLO_TELEMETRY_DISABLED=1
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev: no TypeScript, no test tools. --ignore-scripts: `prepare` (the build) needs TypeScript and is
# done; no runtime dependency needs an install script (Hive's planner ships its binaries in the package).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/gateway ./dist/gateway
COPY --from=build /app/dist/gateway.schema.json ./dist/gateway.schema.json
COPY --from=build /app/dist/browser ./dist/browser
# The image's own `node` user (uid 1000): the gateway needs no privilege, only ports above 1024.
USER node
EXPOSE 4000
# Slim images have no curl: node asks /health itself. 200 once the supergraph is loaded, 503 while loading
# or draining. ATRIUM_PORT or PORT, when set, is the port the gateway listens on (docs/cli.md, "Environment").
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.ATRIUM_PORT || process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself. `atrium serve` installs SIGTERM/SIGINT handlers
# (a PID 1 without handlers would ignore them), drains for server.shutdownGrace and exits 0; it starts no
# child processes but its own cluster workers, which it waits for, so no init process is needed to reap.
ENTRYPOINT ["node", "dist/gateway/cli.js"]
CMD ["serve", "--config", "/config/gateway.yaml", "--supergraph-config", "/config/supergraph.yaml"]
