# The Casework image: one build for every role in docker-compose.yml (migrate,
# server, worker). Node runs the TypeScript sources directly, so the only build
# step is the SvelteKit workspace, made in a stage that has the dev dependencies.
FROM node:24-bookworm-slim AS ui
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:ui

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
COPY --from=ui /app/ui/build ./ui/build
# Attachments' bytes live here; docker-compose.yml mounts a volume shared by server and worker.
RUN mkdir -p /var/lib/casework && chown node:node /var/lib/casework
USER node
ENTRYPOINT ["node", "temporal/cli/start.ts"]
CMD ["--role", "server"]
