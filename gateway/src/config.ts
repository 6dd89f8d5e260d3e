import { Type, type Static, type TProperties } from 'typebox';
import { commonEnv, jwtEnv } from '@cloud-backend/shared';

// Origins only: the route table decides every path.
const HTTP_URL = '^https?://[^\\s/?#]+/?$';

const upstreamUrl = (service: string, example: string) =>
  Type.String({
    pattern: HTTP_URL,
    description: `the base URL of ${service}, e.g. ${example}`,
  });

// An address or CIDR (IPv4 or IPv6), or one of proxy-addr's names for a whole range.
const TRUSTED = '(loopback|linklocal|uniquelocal|[0-9A-Fa-f.:]+(/[0-9]{1,3})?)';

const limit = (fallback: number, what: string) =>
  Type.Integer({ minimum: 1, default: fallback, description: `${what} (default ${fallback})` });

const upstreams = {
  AUTH_SERVICE_URL: upstreamUrl('auth-service', 'http://auth-service:3001'),
  USER_SERVICE_URL: upstreamUrl('user-service', 'http://user-service:3002'),
  SOCIAL_LOG_SERVICE_URL: upstreamUrl('social-log-service', 'http://social-log-service:3003'),
  DASHBOARD_API_URL: upstreamUrl('dashboard-api', 'http://dashboard-api:3005'),
  FRONTEND_DIR: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'the built web app (frontend/dist) to serve at / (make dev; nginx in containers)',
    }),
  ),
  PROMETHEUS_URL: Type.Optional(
    Type.String({
      pattern: HTTP_URL,
      description:
        'the base URL of Prometheus for /monitoring/*, e.g. http://prometheus:9090 ' +
        '(unset: /monitoring answers 503)',
    }),
  ),
} satisfies TProperties;

const limits = {
  RATE_LIMIT_GLOBAL_MAX: limit(100, 'requests per minute per client IP, on every route'),
  RATE_LIMIT_LOGIN_MAX: limit(5, 'POST /login and POST /auth/login per minute per client IP'),
  RATE_LIMIT_REGISTER_MAX: limit(10, 'POST /auth/register per hour per client IP'),
} satisfies TProperties;

const live = {
  LIVE_STREAMS_PER_ADMIN: limit(
    5,
    'live check-in streams (Server-Sent Events) one admin may hold open through one gateway',
  ),
} satisfies TProperties;

const timeouts = {
  UPSTREAM_CONNECT_TIMEOUT_MS: Type.Integer({
    minimum: 1,
    default: 2000,
    description: 'milliseconds to open a connection to an upstream before answering 502',
  }),
  UPSTREAM_TIMEOUT_MS: Type.Integer({
    minimum: 1,
    default: 10000,
    description: "milliseconds to wait for an upstream's response before answering 504",
  }),
  MAX_EVENT_LOOP_DELAY_MS: Type.Integer({
    minimum: 0,
    default: 1000,
    description: 'event-loop delay above which requests get 503 OVERLOADED (0 turns it off)',
  }),
} satisfies TProperties;

const revocations = {
  // auth-service's feed credential: without it the gateway cannot learn of revoked sessions.
  INTERNAL_API_TOKEN: Type.String({
    minLength: 32,
    description:
      "auth-service's INTERNAL_API_TOKEN (for its revocation feed), at least 32 characters",
  }),
  REVOCATION_POLL_MS: Type.Integer({
    minimum: 50,
    // Two poll periods (the poll itself, then the other replicas reading Redis) must fit in
    // the 10 s promised for a revoked session to stop working at the gateway.
    maximum: 4000,
    default: 2000,
    description: 'milliseconds between reads of the revocation feed (50 to 4000)',
  }),
  REVOCATION_MAX_STALENESS_MS: Type.Integer({
    minimum: 100,
    default: 30000,
    description:
      'milliseconds the revocation list may go without a complete read of the feed before ' +
      'requests with a token get 503 REVOCATIONS_UNAVAILABLE (at least twice REVOCATION_POLL_MS)',
  }),
} satisfies TProperties;

const docs = {
  DOCS_ENABLED: Type.Boolean({
    default: true,
    description: 'serve the public OpenAPI document at /openapi.json and its page at /docs',
  }),
  PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: HTTP_URL,
      description:
        "where clients reach the API, e.g. https://attendance.example.com (the document's " +
        'servers; unset: the origin it is read from)',
    }),
  ),
} satisfies TProperties;

export const configSchema = Type.Object({
  ...commonEnv(3000),
  ...jwtEnv,
  ...upstreams,
  ...limits,
  ...live,
  ...timeouts,
  ...revocations,
  ...docs,
  TRUST_PROXY: Type.String({
    pattern: `^(none|${TRUSTED}(\\s*,\\s*${TRUSTED})*)$`,
    // Loopback only: a private network is no proof that a peer is our proxy (docs/operations.md).
    default: 'loopback',
    description:
      'the proxies (comma list of addresses, CIDRs, or loopback/linklocal/uniquelocal) whose ' +
      'X-Forwarded-For names the client, or none',
  }),
  CORS_ORIGINS: Type.String({
    pattern: '^(\\*|https?://[^\\s,]+(\\s*,\\s*https?://[^\\s,]+)*)$',
    default: '*',
    description: 'origins allowed to call the API from a browser: * or a comma list of origins',
  }),
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://[^\\s]+$',
      description:
        'redis://host:6379 to share rate limits and revocations between gateway replicas',
    }),
  ),
});

export type Config = Static<typeof configSchema>;

/** TRUST_PROXY as Fastify's trustProxy takes it. */
export function trustedProxies(value: string): string[] | false {
  if (value === 'none') return false;
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** CORS_ORIGINS: '*' (any origin) or the exact origins allowed. */
export function corsOrigins(value: string): '*' | string[] {
  if (value === '*') return '*';
  return value
    .split(',')
    .map((entry) => entry.trim().replace(/\/$/, ''))
    .filter(Boolean);
}
