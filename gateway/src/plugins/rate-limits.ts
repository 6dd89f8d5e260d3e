import fp from 'fastify-plugin';
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '@cloud-backend/shared';
import { fallbackStore, SharedStoreState } from '../rate-limits/fallback-store.js';

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook of POST /login and POST /auth/login: one bucket for both. */
    loginRateLimit: Hook;
    /** onRequest hook of POST /auth/register. */
    registerRateLimit: Hook;
    /** With REDIS_URL: whether the limits count in Redis or, while it is away, per replica. */
    rateLimitStore: SharedStoreState | null;
  }
}

export interface RateLimitSettings {
  globalMax: number;
  loginMax: number;
  registerMax: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

// The original's 429 bodies (docs/compatibility.md#gateway-errors), with the code every error of
// the port carries.
export const RATE_LIMITED: ErrorBody = { error: 'Rate limit exceeded', code: 'RATE_LIMITED' };
export const LOGIN_RATE_LIMITED: ErrorBody = {
  error: 'Too many login attempts, try again later',
  code: 'LOGIN_RATE_LIMITED',
};
export const REGISTER_RATE_LIMITED: ErrorBody = {
  error: 'Too many registrations, try again later',
  code: 'REGISTER_RATE_LIMITED',
};

interface Limit {
  /** Distinguishes the buckets of one client (they share one store in Redis). */
  name: string;
  max: number;
  timeWindow: number;
  body: ErrorBody;
  /** Route paths the limit does not apply to. */
  exempt?: ReadonlySet<string>;
}

// Probes and scrapes (kubelet, Docker, Prometheus) come often from one address, and these
// routes never reach an upstream (nginx does not even route them): throttling them would only
// turn a busy gateway "unhealthy".
const OPERATIONS = new Set(['/health', '/health/ready', '/metrics']);

const NAMESPACE = 'cloud-backend:gateway:rate-limit:';

/**
 * A fixed-window limit per client IP (IPv6 by /64) as an onRequest hook. Every answer carries
 * the RateLimit-* headers; a refused one is a 429 with the original body and Retry-After.
 */
function limiter(app: FastifyInstance, limit: Limit): Hook {
  const check = app.createRateLimit({
    max: limit.max,
    timeWindow: limit.timeWindow,
    keyGenerator: (request) => `${limit.name}:${normalizeIP(request.ip)}`,
  });
  const exemptPaths = [...(limit.exempt ?? [])];
  return async (request, reply) => {
    // A path that does not even start like an exempt route cannot be one: request.routeOptions
    // builds a new object on every read, so it is read only when it might matter.
    if (
      exemptPaths.some((path) => request.url.startsWith(path)) &&
      limit.exempt?.has(request.routeOptions.url ?? '')
    ) {
      return;
    }
    const result = await check(request);
    if (result.isAllowed) return;
    reply.header('ratelimit-limit', result.max);
    reply.header('ratelimit-remaining', result.remaining);
    reply.header('ratelimit-reset', result.ttlInSeconds);
    if (result.isExceeded) {
      await reply.code(429).header('retry-after', result.ttlInSeconds).send(limit.body);
    }
  };
}

/**
 * The rate limits (docs/compatibility.md#fix-rate-limits), on @fastify/rate-limit's stores (in
 * memory, or in Redis when app.redis is set so every replica counts together). The global limit is
 * an application hook, so it covers every request but probes and scrapes, unknown paths included;
 * login and registration get their own buckets on top. While Redis is unreachable the limits count
 * in each replica's memory instead (fallback-store.ts): never switched off, and never failing a
 * request. (In Redis the keys read
 * `cloud-backend:gateway:rate-limit:undefinedundefined-<limit>:<ip>`: createRateLimit names a store
 * after a route it does not have; the <limit> prefix keeps the buckets apart.)
 */
export default fp<RateLimitSettings>(
  async (app, settings) => {
    const state = app.redis
      ? new SharedStoreState(app.redis, app.log.child({ component: 'rate-limits' }))
      : null;
    app.decorate('rateLimitStore', state);
    await app.register(rateLimit, {
      global: false,
      // Never skip a limit: the store answers from memory when Redis cannot.
      skipOnError: false,
      ...(app.redis && state ? { store: fallbackStore(app.redis, NAMESPACE, state) } : {}),
    });
    app.addHook(
      'onRequest',
      limiter(app, {
        name: 'global',
        max: settings.globalMax,
        timeWindow: MINUTE,
        body: RATE_LIMITED,
        exempt: OPERATIONS,
      }),
    );
    app.decorate(
      'loginRateLimit',
      limiter(app, {
        name: 'login',
        max: settings.loginMax,
        timeWindow: MINUTE,
        body: LOGIN_RATE_LIMITED,
      }),
    );
    app.decorate(
      'registerRateLimit',
      limiter(app, {
        name: 'register',
        max: settings.registerMax,
        timeWindow: HOUR,
        body: REGISTER_RATE_LIMITED,
      }),
    );
  },
  { name: 'gateway-rate-limits', fastify: '5.x', dependencies: ['gateway-redis'] },
);
