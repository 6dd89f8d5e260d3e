import type { DestinationStream } from 'pino';
import {
  authPlugin,
  createServiceApp,
  loggerSettings,
  packageVersion,
  recordJwtValidation,
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
import upstreamHealth from './routes/health.js';
import frontend from './routes/frontend.js';
import proxyRoutes from './routes/proxy.js';
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
    docs: { description: DESCRIPTION, ui: config.NODE_ENV === 'development' },
    readiness: {
      // Until auth-service's revocation feed has been read once, tokens cannot be checked.
      revocations: async () => app.revocations.synced,
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
  });
  await app.register(authPlugin, {
    secret: config.JWT_SECRET,
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
  if (config.FRONTEND_DIR) await app.register(frontend, { root: config.FRONTEND_DIR });
  return app;
}
