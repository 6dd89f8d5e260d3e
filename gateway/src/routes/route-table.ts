import type { FastifyInstance } from 'fastify';
import type { Route } from '../proxy/forward.js';
import type { Upstreams } from '../upstreams.js';

// Prometheus' lifecycle and TSDB admin endpoints: never reachable through /monitoring, even for
// admins (the original let them POST /monitoring/-/quit).
const PROMETHEUS_ADMIN = [/^\/-\/(quit|reload)(\/|$)/, /^\/api\/v1\/admin(\/|$)/];

/**
 * The public route table (docs/compatibility.md#gateway-routes). Fastify picks the most specific
 * prefix, so the admin rows under /user, /auth and /api/social win over their catch-alls (the
 * original's admin rows never ran: #fix-admin-at-gateway): the order below is for reading, not
 * for matching. Query strings reach every upstream verbatim (#fix-query-strings); /internal
 * paths never do (proxy/destination.ts).
 */
export function routeTable(app: FastifyInstance, upstreams: Upstreams): Route[] {
  const auth = upstreams['auth-service'];
  const user = upstreams['user-service'];
  const socialLog = upstreams['social-log-service'];
  const dashboard = upstreams['dashboard-api'];
  const prometheus = upstreams['prometheus-service'];
  // Public, POST to exactly this path: a more specific route than the /auth catch-all.
  const publicPost = { access: 'public', methods: ['POST'], exact: true } as const;

  return [
    // The original sent /login to a port auth-service never listened on
    // (docs/compatibility.md#fix-login-route). It shares one
    // 5/min bucket with /auth/login, which the original left at the global limit only.
    {
      upstream: auth,
      prefix: '/login',
      rewritePrefix: '/login',
      ...publicPost,
      limits: [app.loginRateLimit],
    },
    {
      upstream: auth,
      prefix: '/auth/login',
      rewritePrefix: '/login',
      ...publicPost,
      limits: [app.loginRateLimit],
    },
    // The second sign-in step (a code after the password) shares the login bucket too.
    {
      upstream: auth,
      prefix: '/auth/login/mfa',
      rewritePrefix: '/login/mfa',
      ...publicPost,
      limits: [app.loginRateLimit],
    },
    {
      upstream: auth,
      prefix: '/auth/register',
      rewritePrefix: '/register',
      ...publicPost,
      limits: [app.registerRateLimit],
    },
    // The public keys of access tokens (docs/security.md#access-token-keys), at the well-known
    // path clients and other verifiers look for.
    {
      upstream: auth,
      prefix: '/.well-known/jwks.json',
      rewritePrefix: '/.well-known/jwks.json',
      access: 'public',
      methods: ['GET', 'HEAD'],
      exact: true,
    },
    { upstream: auth, prefix: '/auth/admin', rewritePrefix: '/admin', access: 'admin' },
    { upstream: auth, prefix: '/auth', rewritePrefix: '', access: 'public' },
    { upstream: auth, prefix: '/admin', rewritePrefix: '/admin', access: 'admin' },

    // /user/profile reaches /profile with the verified identity, like every /user path
    // (docs/compatibility.md#fix-identity-headers).
    { upstream: user, prefix: '/user/qr/admin', rewritePrefix: '/qr/admin', access: 'admin' },
    { upstream: user, prefix: '/user/users', rewritePrefix: '/users', access: 'admin' },
    { upstream: user, prefix: '/user', rewritePrefix: '', access: 'user' },

    {
      upstream: socialLog,
      prefix: '/api/social/audit',
      rewritePrefix: '/api/social/audit',
      access: 'admin',
    },
    { upstream: socialLog, prefix: '/api/social', rewritePrefix: '/api/social', access: 'user' },

    // The original checked only the token on two /api/dashboard routes
    // (docs/compatibility.md#fix-admin-at-gateway).
    { upstream: dashboard, prefix: '/dashboard', rewritePrefix: '', access: 'admin' },
    {
      upstream: dashboard,
      prefix: '/api/dashboard',
      rewritePrefix: '/api/dashboard',
      access: 'admin',
    },

    ...(prometheus
      ? [
          {
            upstream: prometheus,
            prefix: '/monitoring',
            rewritePrefix: '',
            access: 'admin',
            methods: ['GET', 'HEAD'],
            blocked: PROMETHEUS_ADMIN,
          } satisfies Route,
        ]
      : []),
  ];
}
