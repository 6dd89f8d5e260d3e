# The image of one Node service: gateway, auth-service, user-service, social-log-service or
# monitoring/dashboard-api (SERVICE, the workspace folder) listening on PORT. Build context: the
# repository root (the workspace lockfile and shared/):
#   docker build -f service.Dockerfile --build-arg SERVICE=auth-service --build-arg PORT=3001 .
# Stages: manifests (package.json files) -> deps (npm ci, cached across every service image)
# -> build (tsc) -> runtime-deps (production dependencies of this service and shared only)
# -> runtime (non-root, no compiler, no dev dependencies).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
# Every workspace's manifest: npm ci checks the lockfile against all of them.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY gateway/package.json gateway/
COPY auth-service/package.json auth-service/
COPY user-service/package.json user-service/
COPY social-log-service/package.json social-log-service/
COPY monitoring/dashboard-api/package.json monitoring/dashboard-api/
COPY frontend/package.json frontend/
COPY tools/typecheck/package.json tools/typecheck/

# Before any ARG of the service: BuildKit runs this stage once for every image.
FROM manifests AS deps
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS build
ARG SERVICE
COPY tsconfig.base.json ./
COPY shared/ shared/
COPY ${SERVICE}/ ${SERVICE}/
# Types were checked by CI (npm run typecheck, in source mode); here tsc only emits JavaScript.
RUN npm run build -w shared -- --noCheck && npm run build -w ${SERVICE} -- --noCheck
# What the runtime takes of the service: its JavaScript, and its migrations where it has them.
RUN mkdir -p /out/${SERVICE} \
 && cp -r ${SERVICE}/dist /out/${SERVICE}/ \
 && if [ -d ${SERVICE}/migrations ]; then cp -r ${SERVICE}/migrations /out/${SERVICE}/; fi

FROM manifests AS runtime-deps
ARG SERVICE
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund -w shared -w ${SERVICE} \
 && for workspace in gateway auth-service user-service social-log-service monitoring/dashboard-api frontend; do \
      if [ "$workspace" != "${SERVICE}" ]; then rm -rf "$workspace"; fi; \
    done
COPY --from=build /app/shared/dist shared/dist
COPY --from=build /out/ ./

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ARG PORT
ENV NODE_ENV=production \
    LOG_FORMAT=json \
    PORT=${PORT}
# Owned by root and read-only for the service: it can change none of its own code.
COPY --from=runtime-deps /app /app
# The one folder the service may write: auth-service's signing keys (a volume mounts here; a
# new named volume takes this owner).
RUN mkdir -p /var/lib/cloud-backend && chown node:node /var/lib/cloud-backend
WORKDIR /app/${SERVICE}
USER node
EXPOSE ${PORT}
# Ready = listening, migrations applied, database answering. Node's fetch: no curl in the image.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/server.js"]
