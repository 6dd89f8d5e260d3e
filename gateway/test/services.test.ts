import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxWorker, type ServiceApp } from '@cloud-backend/shared';
import { echoUpstream, type EchoUpstream } from './support/echo-upstream.js';
import { INTERNAL_TOKEN, bearer, buildGateway } from './support/gateway.js';
import { listen, send, type Answer } from './support/http.js';
import { startServices, type Services } from './support/services.js';

const JWT_INVALID = { error: 'Token non valido o mancante', code: 'JWT_INVALID' };
const ADMIN_REQUIRED = { error: 'Access denied. Admin role required.', code: 'ADMIN_REQUIRED' };
const POLL_MS = 200;

let services: Services;
let prometheus: EchoUpstream;
let gateway: ServiceApp;
let base: string;
let admin: string;
let counter = 0;

interface Session {
  token: string;
  refresh_token: string;
  user: { id: number; email: string; role: string };
}

function call(
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return send(base, {
    method,
    path,
    headers: {
      ...(token ? bearer(token) : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function login(email: string, password: string, path = '/login'): Promise<Session> {
  const answer = await call('POST', path, undefined, { email, password });
  expect(answer.status, answer.text).toBe(200);
  return answer.json<Session>();
}

/** A new account registered and signed in through the gateway. */
async function newUser(): Promise<Session & { password: string }> {
  counter += 1;
  const email = `gw${process.pid}-${counter}@example.com`;
  const password = 'correct horse battery';
  const registered = await call('POST', '/auth/register', undefined, {
    email,
    name: 'Mario',
    surname: 'Rossi',
    password,
  });
  expect(registered.status, registered.text).toBe(201);
  return { ...(await login(email, password)), password };
}

/** Milliseconds until `token` is refused at the gateway (on a route whose service does not look at sessions). */
async function refusedWithin(token: string): Promise<number> {
  const started = Date.now();
  await expect
    .poll(async () => (await call('GET', '/user/profile', token)).status, {
      timeout: 10_000,
      interval: 50,
    })
    .toBe(401);
  const refused = await call('GET', '/user/profile', token);
  expect(refused.json()).toEqual(JWT_INVALID);
  return Date.now() - started;
}

beforeAll(async () => {
  services = await startServices();
  prometheus = await echoUpstream();
  gateway = await buildGateway({
    ...services.env,
    PROMETHEUS_URL: prometheus.url,
    REVOCATION_POLL_MS: String(POLL_MS),
  });
  base = await listen(gateway);
  await services.createAdmin('gw-admin@example.com', 'admin password 123');
  admin = (await login('gw-admin@example.com', 'admin password 123', '/auth/login')).token;
});

afterAll(async () => {
  await gateway.close();
  await prometheus.close();
  await services.close();
});

describe('through the gateway to the real services', () => {
  // docs/compatibility.md#fix-login-route
  it('logs in at POST /login and at POST /auth/login', async () => {
    const user = await newUser();
    expect(user.token).toBeTruthy();
    const again = await call('POST', '/auth/login', undefined, {
      email: user.user.email,
      password: user.password,
    });
    expect(again.status).toBe(200);
  });

  // docs/compatibility.md#fix-identity-headers
  it('answers /user/profile with the verified identity, whatever the client claims', async () => {
    const user = await newUser();
    const answer = await call('GET', '/user/profile', user.token, undefined, {
      'x-user-email': 'admin@example.com',
      'x-user-role': 'admin',
    });
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({
      email: user.user.email,
      name: 'Mario',
      userId: String(user.user.id),
      role: 'user',
    });
  });

  // docs/compatibility.md#fix-admin-at-gateway
  it('checks the admin role at the gateway for /user/qr/admin/* and /user/users*', async () => {
    const user = await newUser();
    // user-service learns of a user from the first request that carries its token.
    expect((await call('GET', '/user/profile', user.token)).status).toBe(200);
    for (const path of ['/user/qr/admin/events', '/user/users', `/user/users/${user.user.id}`]) {
      const refused = await call('GET', path, user.token);
      expect(refused.status, path).toBe(403);
      expect(refused.json()).toEqual(ADMIN_REQUIRED);
      expect((await call('GET', path, admin)).status, path).toBe(200);
    }
  });

  it('serves /admin/* to admins only', async () => {
    const user = await newUser();
    expect((await call('GET', '/admin/users?limit=5', user.token)).json()).toEqual(ADMIN_REQUIRED);
    const users = await call('GET', '/admin/users?limit=5&q=gw', admin);
    expect(users.status).toBe(200);
  });

  // docs/compatibility.md#fix-client-ip-logged
  it('records the client address the gateway determined in the auth logs', async () => {
    const user = await newUser();
    await call(
      'POST',
      '/auth/login',
      undefined,
      { email: user.user.email, password: 'wrong password' },
      {
        'x-forwarded-for': '198.51.100.1, 203.0.113.77',
      },
    );
    const logs = await call(
      'GET',
      `/admin/auth-logs?email=${encodeURIComponent(user.user.email)}&success=false`,
      admin,
    );
    expect(logs.status, logs.text).toBe(200);
    const entries = logs.json<{ logs: { ip_address?: string; ip?: string }[] }>().logs;
    expect(entries.length).toBeGreaterThan(0);
    expect(JSON.stringify(entries[0])).toContain('203.0.113.77');
    expect(JSON.stringify(entries)).not.toContain('198.51.100.1');
  });

  it('writes and reads the social log, and keeps the audit trail for admins', async () => {
    const user = await newUser();
    const created = await call('POST', '/api/social/log', user.token, {
      social: 'instagram',
      timestamp: '2025-06-22T10:00:00+02:00',
      content: 'A post',
      status: 'published',
    });
    expect(created.status, created.text).toBe(201);
    expect((await call('GET', '/api/social/logs', user.token)).status).toBe(200);
    expect((await call('GET', '/api/social/audit', user.token)).json()).toEqual(ADMIN_REQUIRED);
    expect((await call('GET', '/api/social/audit', admin)).status).toBe(200);
    expect((await call('GET', '/api/social/audit/verify', admin)).status).toBe(200);
  });

  // docs/compatibility.md#fix-admin-at-gateway
  it('reaches dashboard-api (admins only) and Prometheus', async () => {
    const user = await newUser();
    expect((await call('GET', '/api/dashboard/security', user.token)).json()).toEqual(
      ADMIN_REQUIRED,
    );
    expect((await call('GET', '/dashboard/health', user.token)).json()).toEqual(ADMIN_REQUIRED);
    const health = await call('GET', '/dashboard/health', admin);
    expect(health.json()).toMatchObject({ service: 'dashboard-api', status: 'healthy' });
    const query = await call('GET', '/monitoring/api/v1/query?query=up', admin);
    expect(query.json()).toMatchObject({ url: '/api/v1/query?query=up' });
  });

  it('refuses a QR token as an access token', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date());
    const event = await call('POST', '/user/qr/admin/generate', admin, {
      event_name: `Gateway ${Date.now()}`,
      date: today,
    });
    expect(event.status, event.text).toBe(201);
    const qr = JSON.parse(event.json<{ qr_content: string }>().qr_content) as { jwt: string };
    const answer = await call('GET', '/user/profile', qr.jwt);
    expect(answer.status).toBe(401);
    expect(answer.json()).toEqual(JWT_INVALID);
  });

  // docs/compatibility.md#audit-trail
  it('records a scripted run in the audit trail', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date());
    const attendee = await newUser();
    const failed = await call('POST', '/auth/login', undefined, {
      email: attendee.user.email,
      password: 'not the password',
    });
    expect(failed.status).toBe(401);
    const event = await call('POST', '/user/qr/admin/generate', admin, {
      event_name: `Audit ${Date.now()}`,
      date: today,
    });
    expect(event.status, event.text).toBe(201);
    const { event_id: eventId, qr_content: qrContent } = event.json<{
      event_id: string;
      qr_content: string;
    }>();
    const scan = await call('POST', '/user/qr/scan', attendee.token, {
      qr_content: JSON.parse(qrContent) as unknown,
    });
    expect(scan.status, scan.text).toBe(201);
    const status = await call(
      'PATCH',
      `/user/qr/admin/events/${eventId}/users/${String(attendee.user.id)}/status`,
      admin,
      { status: 'hospital', motivazione: 'ricoverato' },
    );
    expect(status.status, status.text).toBe(200);
    expect((await call('POST', '/auth/logout', attendee.token)).status).toBe(200);
    const promoted = await newUser();
    const role = await call('PUT', `/admin/users/${String(promoted.user.id)}/role`, admin, {
      role: 'admin',
    });
    expect(role.status, role.text).toBe(200);
    const deleted = await call('DELETE', `/admin/users/${String(promoted.user.id)}`, admin);
    expect(deleted.status, deleted.text).toBe(200);

    // The services' outbox workers, as they run when SOCIAL_LOG_SERVICE_URL is set.
    for (const [app, service] of [
      [services.auth, 'auth-service'],
      [services.user, 'user-service'],
    ] as const) {
      const worker = new OutboxWorker({
        pool: app.db,
        service,
        targetUrl: services.env.SOCIAL_LOG_SERVICE_URL ?? '',
        token: INTERNAL_TOKEN,
        log: pino({ level: 'silent' }),
      });
      while ((await worker.deliverOnce()) > 0);
    }

    const trail = await call('GET', '/api/social/audit?limit=100', admin);
    expect(trail.status, trail.text).toBe(200);
    const actions = new Set(
      trail.json<{ events: { action: string }[] }>().events.map((e) => e.action),
    );
    for (const action of [
      'user.registered',
      'user.login_succeeded',
      'user.login_failed',
      'user.logged_out',
      'user.role_changed',
      'user.deleted',
      'event.created',
      'attendance.check_in',
      'attendance.status_changed',
    ]) {
      expect(actions, action).toContain(action);
    }
    expect((await call('GET', '/api/social/audit/verify', admin)).json()).toMatchObject({
      intact: true,
      first_broken_id: null,
    });
  });

  it('reports every upstream up in /health', async () => {
    const health = await gateway.inject({ url: '/health' });
    expect(health.json()).toMatchObject({
      upstreams: {
        'auth-service': 'up',
        'user-service': 'up',
        'social-log-service': 'up',
        'dashboard-api': 'up',
        'prometheus-service': 'up',
      },
    });
  });
});

describe('revoked sessions are refused at the gateway within 10 s', () => {
  it('after logout', async () => {
    const user = await newUser();
    expect((await call('GET', '/user/profile', user.token)).status).toBe(200);
    expect((await call('POST', '/auth/logout', user.token)).status).toBe(200);
    expect(await refusedWithin(user.token)).toBeLessThan(10_000);
  });

  it('after a password change, for the other sessions only', async () => {
    const user = await newUser();
    const other = await login(user.user.email, user.password);
    const changed = await call('PUT', '/auth/me/password', user.token, {
      current_password: user.password,
      new_password: 'another good password',
    });
    expect(changed.status, changed.text).toBe(200);
    expect(await refusedWithin(other.token)).toBeLessThan(10_000);
    expect((await call('GET', '/user/profile', user.token)).status).toBe(200);
  });

  it('after a role change', async () => {
    const user = await newUser();
    const changed = await call('PUT', `/admin/users/${user.user.id}/role`, admin, {
      role: 'admin',
    });
    expect(changed.status, changed.text).toBe(200);
    expect(await refusedWithin(user.token)).toBeLessThan(10_000);
    // The old token claimed role user; a new login carries the new role.
    const again = await login(user.user.email, user.password);
    expect(again.user.role).toBe('admin');
    expect((await call('GET', '/user/users', again.token)).status).toBe(200);
  });

  it('after the account is deleted', async () => {
    const user = await newUser();
    const deleted = await call('DELETE', `/admin/users/${user.user.id}`, admin);
    expect(deleted.status, deleted.text).toBe(200);
    expect(await refusedWithin(user.token)).toBeLessThan(10_000);
  });
});
