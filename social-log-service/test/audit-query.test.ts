import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, ServiceApp } from '@cloud-backend/shared';
import { auditEvent, bearer, build, ingest } from './helper.js';

interface Listing {
  events: (AuditEvent & { id: number; event_id: string; received_at: string; hash: string })[];
  total: number;
  page: number;
  limit: number;
}

const ADMIN = bearer(100, 'admin');
const EVENTS = [
  auditEvent({ user_id: 1, action: 'user.register', occurred_at: '2025-01-01T10:00:00Z' }),
  auditEvent({ user_id: 1, action: 'user.login', occurred_at: '2025-01-02T10:00:00Z' }),
  auditEvent({
    user_id: 1,
    action: 'user.login_failed',
    success: false,
    occurred_at: '2025-01-03T10:00:00.250Z',
  }),
  auditEvent({
    user_id: 2,
    action: 'user.login',
    occurred_at: '2025-01-04T10:00:00+01:00',
    details: { method: 'password', attempts: [1, 2] },
  }),
  auditEvent({
    user_id: 2,
    actor_id: 9,
    service: 'user-service',
    action: 'attendance.check_in',
    occurred_at: '2025-01-05T10:00:00Z',
  }),
  auditEvent({
    user_id: null,
    service: 'user-service',
    action: 'event.created',
    occurred_at: '2025-01-06T10:00:00Z',
  }),
];

let app: ServiceApp;
beforeAll(async () => {
  app = await build();
  expect((await ingest(app, EVENTS)).json()).toEqual({ accepted: EVENTS.length, duplicates: 0 });
});
afterAll(() => app.close());

async function list(query = '') {
  const response = await app.inject({ url: `/api/social/audit${query}`, headers: ADMIN });
  expect(response.statusCode).toBe(200);
  return response.json<Listing>();
}

describe('GET /api/social/audit', () => {
  it('lists every event, newest first, with its place in the chain', async () => {
    const body = await list();
    expect(body.total).toBe(6);
    expect(body.events.map((event) => event.action)).toEqual([
      'event.created',
      'attendance.check_in',
      'user.login',
      'user.login_failed',
      'user.login',
      'user.register',
    ]);
    expect(body.events[2]).toEqual({
      id: expect.any(Number) as unknown,
      event_id: EVENTS[3]?.id,
      occurred_at: '2025-01-04T09:00:00Z',
      service: 'auth-service',
      action: 'user.login',
      user_id: 2,
      actor_id: null,
      success: true,
      ip: '203.0.113.1',
      user_agent: 'vitest',
      request_id: 'req-1',
      details: { method: 'password', attempts: [1, 2] },
      received_at: expect.stringMatching(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/,
      ) as unknown,
      prev_hash: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
    });
    expect(body.events[3]?.occurred_at).toBe('2025-01-03T10:00:00.25Z');
  });

  it('filters by user, action, service and time range', async () => {
    expect((await list('?user_id=1')).total).toBe(3);
    expect((await list('?action=user.login')).total).toBe(2);
    expect((await list('?service=user-service')).total).toBe(2);
    expect((await list('?user_id=2&service=user-service')).events).toEqual([
      expect.objectContaining({ action: 'attendance.check_in', actor_id: 9 }),
    ]);
    const range = await list('?from=2025-01-02T10:00:00Z&to=2025-01-04T09:00:00Z');
    expect(range.events.map((event) => event.occurred_at)).toEqual([
      '2025-01-04T09:00:00Z',
      '2025-01-03T10:00:00.25Z',
      '2025-01-02T10:00:00Z',
    ]);
    expect((await list('?action=user.nothing')).events).toEqual([]);
  });

  it('pages through the events', async () => {
    const first = await list('?limit=4');
    const second = await list('?limit=4&page=2');
    expect([first.events.length, second.events.length]).toEqual([4, 2]);
    expect(second).toMatchObject({ total: 6, page: 2, limit: 4 });
    const ids = [...first.events, ...second.events].map((event) => event.id);
    expect(new Set(ids).size).toBe(6);
  });

  it.each([
    'limit=101',
    'page=0',
    'user_id=x',
    'from=last-week',
    'to=2025-02-30T00:00:00Z',
    `action=${'a'.repeat(65)}`,
  ])('answers 400 in JSON for %s', async (query) => {
    const response = await app.inject({ url: `/api/social/audit?${query}`, headers: ADMIN });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('answers 400 INVALID_TEXT for a NUL in the query', async () => {
    const response = await app.inject({ url: '/api/social/audit?service=%00', headers: ADMIN });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'INVALID_TEXT' });
  });
});

describe('the audit routes are for admins only', () => {
  it.each(['/api/social/audit', '/api/social/audit/verify'])(
    'answers 403 to a user and 401 without a token: %s',
    async (url) => {
      const user = await app.inject({ url, headers: bearer(1) });
      expect(user.statusCode).toBe(403);
      expect(user.json()).toEqual({ error: 'Admin role required', code: 'ADMIN_REQUIRED' });
      const anonymous = await app.inject({ url });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    },
  );

  it('does not accept the service credential in place of an admin token', async () => {
    const response = await app.inject({
      url: '/api/social/audit',
      headers: { authorization: `Bearer internal-test-token-that-is-long-enough-0123456789` },
    });
    expect(response.statusCode).toBe(401);
  });

  it('answers 405 to writes on the audit routes', async () => {
    for (const url of ['/api/social/audit', '/api/social/audit/verify']) {
      const response = await app.inject({ method: 'DELETE', url, headers: ADMIN });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD');
    }
  });
});
