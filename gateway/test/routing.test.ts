import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { echoUpstream, type EchoUpstream } from './support/echo-upstream.js';
import { accessToken, asAdmin, asUser, bearer, buildGateway } from './support/gateway.js';
import { listen, send } from './support/http.js';

type Access = 'public' | 'user' | 'admin';
type Target = 'auth' | 'user' | 'social' | 'dashboard' | 'prometheus';

// Every row of the route table (docs/compatibility.md#gateway-routes), each with a query string
// (the original dropped it on many: #fix-query-strings).
const ROWS: [string, string, Access, Target, string][] = [
  ['POST', '/login?x=1', 'public', 'auth', '/login?x=1'],
  ['POST', '/auth/login?x=1', 'public', 'auth', '/login?x=1'],
  ['POST', '/auth/register?x=1', 'public', 'auth', '/register?x=1'],
  ['POST', '/auth/refresh?x=1', 'public', 'auth', '/refresh?x=1'],
  ['GET', '/auth/me?x=1', 'public', 'auth', '/me?x=1'],
  ['PUT', '/auth/me/password?x=1', 'public', 'auth', '/me/password?x=1'],
  ['GET', '/auth/admin/users?page=2', 'admin', 'auth', '/admin/users?page=2'],
  [
    'GET',
    '/admin/users?page=2&limit=5&q=a%20b',
    'admin',
    'auth',
    '/admin/users?page=2&limit=5&q=a%20b',
  ],
  [
    'GET',
    '/admin/auth-logs?page=1&success=false',
    'admin',
    'auth',
    '/admin/auth-logs?page=1&success=false',
  ],
  ['PUT', '/admin/users/7/role?x=1', 'admin', 'auth', '/admin/users/7/role?x=1'],
  ['DELETE', '/admin/users/7?x=1', 'admin', 'auth', '/admin/users/7?x=1'],
  ['GET', '/user/profile?x=1', 'user', 'user', '/profile?x=1'],
  ['POST', '/user/qr/scan?x=1', 'user', 'user', '/qr/scan?x=1'],
  ['GET', '/user/qr/attendance/history?page=2', 'user', 'user', '/qr/attendance/history?page=2'],
  ['GET', '/user/qr/attendance/today?x=1', 'user', 'user', '/qr/attendance/today?x=1'],
  ['POST', '/user/qr/admin/generate?x=1', 'admin', 'user', '/qr/admin/generate?x=1'],
  ['GET', '/user/qr/admin/events?x=1', 'admin', 'user', '/qr/admin/events?x=1'],
  [
    'GET',
    '/user/qr/admin/events/e-1/export.csv?x=1',
    'admin',
    'user',
    '/qr/admin/events/e-1/export.csv?x=1',
  ],
  [
    'PATCH',
    '/user/qr/admin/events/e-1/users/3/status',
    'admin',
    'user',
    '/qr/admin/events/e-1/users/3/status',
  ],
  ['DELETE', '/user/qr/admin/events/e-1', 'admin', 'user', '/qr/admin/events/e-1'],
  ['GET', '/user/users?x=1', 'admin', 'user', '/users?x=1'],
  ['POST', '/user/users', 'admin', 'user', '/users'],
  ['DELETE', '/user/users/3?x=1', 'admin', 'user', '/users/3?x=1'],
  ['POST', '/api/social/log?x=1', 'user', 'social', '/api/social/log?x=1'],
  [
    'GET',
    '/api/social/logs?user_id=1&page=2',
    'user',
    'social',
    '/api/social/logs?user_id=1&page=2',
  ],
  [
    'GET',
    '/api/social/audit?action=user.login',
    'admin',
    'social',
    '/api/social/audit?action=user.login',
  ],
  ['GET', '/api/social/audit/verify', 'admin', 'social', '/api/social/audit/verify'],
  [
    'GET',
    '/dashboard/api/dashboard/insights?x=1',
    'admin',
    'dashboard',
    '/api/dashboard/insights?x=1',
  ],
  ['GET', '/api/dashboard/vm-health?x=1', 'admin', 'dashboard', '/api/dashboard/vm-health?x=1'],
  ['GET', '/api/dashboard/security', 'admin', 'dashboard', '/api/dashboard/security'],
  ['GET', '/monitoring/api/v1/query?query=up', 'admin', 'prometheus', '/api/v1/query?query=up'],
];

const JWT_INVALID = { error: 'Token non valido o mancante', code: 'JWT_INVALID' };
const ADMIN_REQUIRED = { error: 'Access denied. Admin role required.', code: 'ADMIN_REQUIRED' };

let upstreams: Record<Target, EchoUpstream>;
let gateway: ServiceApp;
let base: string;

beforeAll(async () => {
  const [auth, user, social, dashboard, prometheus] = await Promise.all(
    Array.from({ length: 5 }, () => echoUpstream()),
  );
  upstreams = { auth, user, social, dashboard, prometheus } as Record<Target, EchoUpstream>;
  gateway = await buildGateway({
    AUTH_SERVICE_URL: upstreams.auth.url,
    USER_SERVICE_URL: upstreams.user.url,
    SOCIAL_LOG_SERVICE_URL: upstreams.social.url,
    DASHBOARD_API_URL: upstreams.dashboard.url,
    PROMETHEUS_URL: upstreams.prometheus.url,
  });
  base = await listen(gateway);
});

afterAll(async () => {
  await gateway.close();
  await Promise.all(Object.values(upstreams).map((upstream) => upstream.close()));
});

function total(): number {
  return Object.values(upstreams).reduce((sum, upstream) => sum + upstream.received.length, 0);
}

describe('the route table', () => {
  it.each(ROWS)('%s %s (%s) → %s %s', async (method, path, access, target, upstreamPath) => {
    const before = total();
    if (access !== 'public') {
      const anonymous = await send(base, { method, path });
      expect(anonymous.status).toBe(401);
      expect(anonymous.json()).toEqual(JWT_INVALID);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
    }
    if (access === 'admin') {
      const user = await send(base, { method, path, headers: asUser() });
      expect(user.status).toBe(403);
      expect(user.json()).toEqual(ADMIN_REQUIRED);
    }
    // Refused requests never reach an upstream.
    expect(total()).toBe(before);

    const headers = access === 'admin' ? asAdmin() : access === 'user' ? asUser() : {};
    const answer = await send(base, { method, path, headers });
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ method, url: upstreamPath });
    expect(total()).toBe(before + 1);
    expect(upstreams[target].last()?.url).toBe(upstreamPath);
  });

  it('forwards everything after the first "?" verbatim, a second "?" included', async () => {
    const answer = await send(base, { path: '/user/profile?a=1?b=2&c&d=%2F+x', headers: asUser() });
    expect(answer.json()).toMatchObject({ url: '/profile?a=1?b=2&c&d=%2F+x' });
  });

  it('serves nothing at / and answers unknown paths with JSON 404', async () => {
    for (const path of ['/', '/index.html', '/api', '/api/other', '/users']) {
      const answer = await send(base, { path, headers: asUser() });
      expect(answer.status, path).toBe(404);
      expect(answer.json()).toEqual({ error: 'Not found', code: 'NOT_FOUND' });
    }
  });

  it('matches paths case-sensitively and tolerates a trailing slash', async () => {
    expect((await send(base, { path: '/USER/profile', headers: asUser() })).status).toBe(404);
    expect((await send(base, { method: 'POST', path: '/Login' })).status).toBe(404);
    const slash = await send(base, { path: '/user/profile/', headers: asUser() });
    expect(slash.status).toBe(200);
  });

  it('answers a wrong method on a known path with 405 and Allow', async () => {
    const answer = await send(base, { path: '/login' });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    expect(answer.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
  });
});

describe('identity and forwarding headers', () => {
  // docs/compatibility.md#fix-identity-headers
  it('replaces client-sent X-User-* with the verified identity', async () => {
    const token = accessToken({ user_id: 42, email: 'ada@example.com', role: 'user', name: 'Ada' });
    await send(base, {
      path: '/user/profile',
      headers: {
        ...bearer(token),
        'x-user-id': '1',
        'x-user-role': 'admin',
        'x-user-email': 'root@example.com',
        'x-user-surname': 'Spoofed',
        'x-gateway-request': 'gateway-v1.0',
      },
    });
    const seen = upstreams.user.last('/profile')?.headers ?? {};
    expect(seen['x-user-id']).toBe('42');
    expect(seen['x-user-email']).toBe('ada@example.com');
    expect(seen['x-user-role']).toBe('user');
    expect(seen['x-user-name']).toBe('Ada');
    expect(seen['x-user-surname']).toBeUndefined();
    expect(seen['x-gateway-request']).toBeUndefined();
    // The services still verify the token themselves.
    expect(seen.authorization).toBe(`Bearer ${token}`);
  });

  it('sends no identity on public routes, and strips spoofed identity there too', async () => {
    await send(base, {
      method: 'POST',
      path: '/auth/login',
      headers: { 'x-user-id': '1', 'x-user-role': 'admin' },
    });
    const seen = upstreams.auth.last('/login')?.headers ?? {};
    expect(Object.keys(seen).filter((name) => name.startsWith('x-user-'))).toEqual([]);
  });

  it('percent-encodes identity that is not printable ASCII', async () => {
    await send(base, { path: '/user/profile', headers: asUser({ name: 'Nicolò 100%' }) });
    const name = upstreams.user.last('/profile')?.headers['x-user-name'];
    expect(name).toBe('Nicol%C3%B2 100%25');
    expect(decodeURIComponent(String(name))).toBe('Nicolò 100%');
  });

  it('passes X-Request-ID through end to end, or makes one', async () => {
    const given = await send(base, {
      path: '/user/profile',
      headers: { ...asUser(), 'x-request-id': 'trace-123' },
    });
    expect(given.headers['x-request-id']).toBe('trace-123');
    expect(upstreams.user.last('/profile')?.headers['x-request-id']).toBe('trace-123');

    const made = await send(base, { path: '/user/profile', headers: asUser() });
    const id = made.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(upstreams.user.last('/profile')?.headers['x-request-id']).toBe(id);
  });

  // docs/compatibility.md#fix-rate-limits
  it('names the client from X-Forwarded-For only through a trusted proxy', async () => {
    // The test connects from 127.0.0.1, which the default TRUST_PROXY (loopback) trusts: the
    // right-most address it does not trust is the client.
    await send(base, {
      path: '/user/profile',
      headers: {
        ...asUser(),
        'x-forwarded-for': '198.51.100.1, 203.0.113.7',
        'x-real-ip': '1.1.1.1',
      },
    });
    const seen = upstreams.user.last('/profile')?.headers ?? {};
    expect(seen['x-forwarded-for']).toBe('203.0.113.7');
    expect(seen['x-real-ip']).toBeUndefined();
    expect(seen['x-forwarded-proto']).toBe('http');
  });
});

describe('paths that are never forwarded', () => {
  // Raw request lines: the gateway must judge the path the upstream would resolve.
  const INTERNAL = [
    '/internal/revocations',
    '/auth/internal/revocations?since=0',
    '/auth/Internal/revocations',
    '/auth//internal/revocations',
    '/auth/%2Finternal/revocations',
    '/auth/%69nternal/revocations',
    '/auth/internal',
    '/user/internal/audit/events',
    '/dashboard/internal/x',
  ];
  it.each(INTERNAL)('%s → 404 or 400, never /internal upstream', async (path) => {
    const answer = await send(base, { path, headers: { ...asAdmin(), ...{} } });
    expect([400, 404]).toContain(answer.status);
    expect(answer.json()).toHaveProperty('code');
  });

  const DOT_SEGMENTS = [
    '/auth/./internal/revocations',
    '/auth/%2e/internal/revocations',
    '/auth/.%5cinternal/revocations',
    '/auth/x/../internal/revocations',
    '/auth/./login',
    '/user/qr/../users',
  ];
  it.each(DOT_SEGMENTS)('%s → 400 INVALID_PATH (a path must mean one route)', async (path) => {
    const answer = await send(base, { method: 'GET', path, headers: asAdmin() });
    expect(answer.status).toBe(400);
  });

  it('none of them reached an upstream', () => {
    const all = Object.values(upstreams).flatMap((upstream) => upstream.received);
    expect(all.filter((r) => /internal/i.test(decodeURIComponent(r.url)))).toEqual([]);
    expect(all.filter((r) => r.url.includes('..') || /\/\.(\/|%|$)/.test(r.url))).toEqual([]);
  });

  it('keeps /monitoring read-only: GET only, no lifecycle or TSDB admin API', async () => {
    const post = await send(base, {
      method: 'POST',
      path: '/monitoring/-/quit',
      headers: asAdmin(),
    });
    expect(post.status).toBe(405);
    for (const path of [
      '/monitoring/-/quit',
      '/monitoring/-/reload',
      '/monitoring/api/v1/admin/tsdb/snapshot',
    ]) {
      const answer = await send(base, { path, headers: asAdmin() });
      expect(answer.status, path).toBe(404);
    }
    expect(upstreams.prometheus.received.filter((r) => r.url.startsWith('/-/'))).toEqual([]);
  });
});

describe('bodies', () => {
  it('forwards bodies byte for byte with their content type', async () => {
    const cases: [string, string | Buffer][] = [
      ['application/json', '{"b": 1,   "a": [2, 3]}'],
      ['application/x-www-form-urlencoded', 'email=a%40b.c&password=x'],
      ['text/plain; charset=utf-8', 'héllo'],
      ['application/octet-stream', Buffer.from([0, 1, 2, 255])],
    ];
    for (const [type, body] of cases) {
      await send(base, {
        method: 'POST',
        path: '/api/social/log',
        headers: { ...asUser(), 'content-type': type },
        body,
      });
      const seen = upstreams.social.last('/api/social/log');
      expect(seen?.headers['content-type']).toBe(type);
      expect(seen?.bytes.equals(Buffer.from(body))).toBe(true);
    }
  });

  it('forwards a chunked body', async () => {
    const answer = await send(base, {
      method: 'POST',
      path: '/auth/register',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'x@example.com', password: 'p'.repeat(100) }),
      chunked: true,
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(upstreams.auth.last('/register')?.body ?? '{}')).toMatchObject({
      email: 'x@example.com',
    });
  });

  it('refuses a body over 1 MiB with JSON 413, before any upstream', async () => {
    const before = upstreams.social.received.length;
    const answer = await send(base, {
      method: 'POST',
      path: '/api/social/log',
      headers: { ...asUser(), 'content-type': 'application/json' },
      body: `"${'x'.repeat(1024 * 1024)}"`,
    });
    expect(answer.status).toBe(413);
    expect(answer.json()).toEqual({
      error: 'Request body is too large',
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(upstreams.social.received.length).toBe(before);
  });

  it('passes 1 MiB exactly', async () => {
    const body = 'y'.repeat(1024 * 1024);
    const answer = await send(base, {
      method: 'POST',
      path: '/api/social/log',
      headers: { ...asUser(), 'content-type': 'text/plain' },
      body,
    });
    expect(answer.status).toBe(200);
    expect(upstreams.social.last('/api/social/log')?.body.length).toBe(body.length);
  });
});

describe('upstream answers', () => {
  // docs/compatibility.md#fix-proxy-headers
  it('passes redirects (as gateway paths) and repeated headers through', async () => {
    upstreams.auth.respond((request, response) => {
      if (!request.url.startsWith('/moved')) return false;
      response.setHeader('set-cookie', ['a=1; HttpOnly', 'b=2; HttpOnly']);
      response.writeHead(302, { location: '/elsewhere' }).end();
      return true;
    });
    const answer = await send(base, { path: '/auth/moved' });
    upstreams.auth.respond(undefined);
    expect(answer.status).toBe(302);
    // The upstream's /elsewhere is the gateway's /auth/elsewhere.
    expect(answer.headers.location).toBe('/auth/elsewhere');
    expect(answer.headers['set-cookie']).toEqual(['a=1; HttpOnly', 'b=2; HttpOnly']);
  });

  it('passes upstream errors through unchanged', async () => {
    upstreams.user.respond((request, response) => {
      if (request.url !== '/profile') return false;
      response
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"error":"User information not found","code":"USER_INFO_MISSING"}');
      return true;
    });
    const answer = await send(base, { path: '/user/profile', headers: asUser() });
    upstreams.user.respond(undefined);
    expect(answer.status).toBe(401);
    expect(answer.json()).toEqual({
      error: 'User information not found',
      code: 'USER_INFO_MISSING',
    });
  });
});
