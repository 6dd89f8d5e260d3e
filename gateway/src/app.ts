import type { DestinationStream } from 'pino';
import {
  ConfigError,
  authPlugin,
  createServiceApp,
  loggerSettings,
  packageVersion,
  recordJwtValidation,
  verifierKeys,
  type ServiceApp,
} from '@cloud-backend/shared';
import { corsOrigins, trustedProxies, type Config } from './config.js';
import { ADMIN_REQUIRED, JWT_INVALID } from './messages.js';
import cors, { corsHeaders } from './plugins/cors.js';
import rateLimits from './plugins/rate-limits.js';
import redis from './plugins/redis.js';
import requestLogger from './plugins/request-logger.js';
import revocations from './plugins/revocations.js';
import { setSecurityHeaders } from './plugins/security-headers.js';
import underPressure from './plugins/under-pressure.js';
import publicDocs from './openapi/plugin.js';
import upstreamHealth from './routes/health.js';
import frontend from './routes/frontend.js';
import proxyRoutes from './routes/proxy.js';
import liveRoute from './live/live-route.js';
import { routeTable } from './routes/route-table.js';
import { createUpstreams, listUpstreams } from './upstreams.js';

export const SERVICE = 'gateway';

export interface BuildOptions {
  /** false in tests that do not read the logs. */
  logger?: boolean;
  /** Where log lines go instead of stdout (tests that read them). */
  logStream?: DestinationStream;
}

const DESCRIPTION =
  "The single entry point of the API. This document covers the gateway's own routes; every " +
  'other path is forwarded to a service (see the README for the route table), after the ' +
  'rate limits and, where the route needs them, the access token and the admin role.';

/** Builds the gateway app without listening (server.ts listens; tests use inject() or listen). */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<ServiceApp> {
  // A bound of less than two polls would refuse tokens between two ordinary reads.
  if (config.REVOCATION_MAX_STALENESS_MS < 2 * config.REVOCATION_POLL_MS) {
    throw new ConfigError([
      {
        variable: 'REVOCATION_MAX_STALENESS_MS',
        expected: 'at least twice REVOCATION_POLL_MS',
      },
    ]);
  }
  const version = packageVersion(import.meta.url);
  const upstreams = createUpstreams(config);
  const origins = corsOrigins(config.CORS_ORIGINS);
  const setCors = corsHeaders(origins);
  const app = await createServiceApp({
    service: SERVICE,
    version,
    logger:
      options.logger === false
        ? false
        : {
            ...loggerSettings(config),
            ...(options.logStream ? { stream: options.logStream } : {}),
          },
    trustProxy: trustedProxies(config.TRUST_PROXY),
    // Browsers need CORS and the security headers on every answer, preflights and the 400s
    // raised before routing included.
    everyAnswer: (request, reply) => {
      setSecurityHeaders(reply);
      setCors(request, reply);
    },
    // Its own routes only; the public document is openapi/plugin.ts's, at /openapi.json and /docs.
    docs: { description: DESCRIPTION, ui: false, publish: false },
    readiness: {
      // Until auth-service's revocation feed has been read once, and while the last complete read
      // is older than REVOCATION_MAX_STALENESS_MS, tokens cannot be checked. Redis being away does
      // not make the gateway unready: its limits then hold per replica (README, rate limits).
      revocations: async () => app.revocations.current,
    },
  });
  app.addHook('onClose', async () => {
    await Promise.all(listUpstreams(upstreams).map((upstream) => upstream.pool.close()));
  });

  await app.register(requestLogger);
  // Hooks run in registration order: CORS answers preflights (every answer already carries the
  // CORS and security headers: everyAnswer above); overload and rate limits come before any
  // token is checked or upstream called.
  await app.register(cors, { origins });
  await app.register(underPressure, { maxEventLoopDelay: config.MAX_EVENT_LOOP_DELAY_MS });
  await app.register(redis, { url: config.REDIS_URL });
  await app.register(rateLimits, {
    globalMax: config.RATE_LIMIT_GLOBAL_MAX,
    loginMax: config.RATE_LIMIT_LOGIN_MAX,
    registerMax: config.RATE_LIMIT_REGISTER_MAX,
  });
  await app.register(revocations, {
    auth: upstreams['auth-service'],
    internalToken: config.INTERNAL_API_TOKEN,
    pollMs: config.REVOCATION_POLL_MS,
    feedTimeoutMs: Math.min(config.UPSTREAM_TIMEOUT_MS, 5000),
    maxStalenessMs: config.REVOCATION_MAX_STALENESS_MS,
  });
  await app.register(authPlugin, {
    // auth-service's published keys: the gateway holds no signing key (docs/security.md).
    ...verifierKeys(config, app.log),
    unauthorized: JWT_INVALID,
    forbidden: ADMIN_REQUIRED,
    isSessionActive: (claims) => app.revocations.isActive(claims),
    onVerify: (success) => {
      recordJwtValidation(success, SERVICE);
    },
  });
  await app.register(upstreamHealth, {
    service: SERVICE,
    version,
    upstreams: listUpstreams(upstreams),
  });
  await app.register(proxyRoutes, {
    upstreams,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    varyOnOrigin: origins !== '*',
  });
  await app.register(liveRoute, {
    user: upstreams['user-service'],
    connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
    headersTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    perAdmin: config.LIVE_STREAMS_PER_ADMIN,
    varyOnOrigin: origins !== '*',
  });
  if (config.DOCS_ENABLED) {
    await app.register(publicDocs, {
      upstreams,
      rows: routeTable(app, upstreams),
      version,
      ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}),
    });
  }
  if (config.FRONTEND_DIR) await app.register(frontend, { root: config.FRONTEND_DIR });
  return app;
}
