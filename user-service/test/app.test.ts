import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeServiceBasics } from '@cloud-backend/shared/testing';
import type { ServiceApp } from '@cloud-backend/shared';
import { SERVICE } from '../src/app.js';
import { adminToken, bearer, build, createEvent, scan, userToken } from './helper.js';

describeServiceBasics({ service: SERVICE, build: () => build(), readiness: ['database'] });

const ROUTES = [
  'get /profile',
  'get /users',
  'post /users',
  'get /users/{id}',
  'put /users/{id}',
  'delete /users/{id}',
  'post /qr/admin/generate',
  'get /qr/admin/events',
  'get /qr/admin/events/{event_id}/users',
  'get /qr/admin/events/{event_id}/attendance',
  'delete /qr/admin/events/{event_id}',
  'patch /qr/admin/events/{event_id}',
  'get /qr/admin/events/{event_id}/qr',
  'patch /qr/admin/events/{event_id}/users/{user_id}/status',
  'get /qr/admin/events/{event_id}/export.csv',
  'post /qr/scan',
  'get /qr/attendance/history',
  'get /qr/attendance/today',
];

interface OpenApiOperation {
  tags?: string[];
  security?: unknown[];
  responses: Record<string, unknown>;
}

describe('observability and documentation', () => {
  let app: ServiceApp;
  beforeAll(async () => {
    app = await build();
    await app.ready();
  });
  afterAll(() => app.close());

  it('documents every route, with its security and error responses', () => {
    const doc = app.swagger() as unknown as {
      paths: Record<string, Record<string, OpenApiOperation>>;
    };
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method} ${path}`),
    );
    for (const route of ROUTES) expect(listed, route).toContain(route);
    for (const route of ROUTES) {
      const [method = '', path = ''] = route.split(' ');
      const op = doc.paths[path]?.[method];
      expect(op?.tags?.length, route).toBeGreaterThan(0);
      expect(op?.security, route).toEqual([{ bearerAuth: [] }]);
      expect(Object.keys(op?.responses ?? {}), route).toContain('401');
    }
  });

  it('counts QR events, scans (by event and outcome), active events and users', async () => {
    const event = await createEvent(app);
    await scan(app, userToken(1), event.qr_content);
    await scan(app, userToken(1), event.qr_content);
    await scan(app, userToken(2), { jwt: 'forged', type: 'attendance_qr' });
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(text).toMatch(/^qr_events_total\{service="user-service"\} [1-9]\d*$/m);
    expect(text).toContain(
      `qr_scans_total{event_id="${event.event_id}",status="success",service="user-service"} 1`,
    );
    expect(text).toContain(
      `qr_scans_total{event_id="${event.event_id}",status="failed",service="user-service"} 1`,
    );
    expect(text).toMatch(
      /^qr_scans_total\{event_id="unknown",status="failed",service="user-service"\} [1-9]/m,
    );
    // The gauges are read from this app's database when /metrics is scraped.
    expect(text).toContain('attendance_events_active{service="user-service"} 1');
    expect(text).toMatch(/^active_users_total\{service="user-service"\} 2$/m);
    expect(text).toContain(
      'http_requests_total{method="POST",endpoint="/qr/scan",status_code="409",service="user-service"}',
    );
  });
});

describe('audit trail', () => {
  it('writes event creation, check-in, status change, update and deletion to the outbox', async () => {
    const app = await build();
    try {
      const admin = bearer(adminToken(1));
      const event = await createEvent(app);
      await scan(app, userToken(5), event.qr_content, {});
      await app.inject({
        method: 'PATCH',
        url: `/qr/admin/events/${event.event_id}/users/5/status`,
        headers: admin,
        payload: { status: 'family', motivazione: 'x' },
      });
      await app.inject({
        method: 'PATCH',
        url: `/qr/admin/events/${event.event_id}`,
        headers: admin,
        payload: { is_active: false },
      });
      await app.inject({
        method: 'DELETE',
        url: `/qr/admin/events/${event.event_id}`,
        headers: admin,
      });
      const { rows } = await app.db.query<{ payload: Record<string, unknown> }>(
        'SELECT payload FROM audit_outbox ORDER BY id',
      );
      expect(rows.map((r) => r.payload.action)).toEqual([
        'event.created',
        'attendance.check_in',
        'attendance.status_changed',
        'event.updated',
        'event.deleted',
      ]);
      expect(rows[1]?.payload).toMatchObject({
        service: 'user-service',
        user_id: 5,
        actor_id: null,
        success: true,
        details: { event_id: event.event_id, status: 'present' },
      });
      expect(rows[2]?.payload).toMatchObject({
        user_id: 5,
        actor_id: 1,
        details: { from: 'present', to: 'family' },
      });
      // A refused scan changes nothing, so it writes nothing.
      await scan(app, userToken(6), { jwt: 'forged' });
      const count = await app.db.query('SELECT count(*)::int AS n FROM audit_outbox');
      expect(count.rows).toEqual([{ n: 5 }]);
    } finally {
      await app.close();
    }
  });

  it('delivers the outbox to social-log-service with the service credential', async () => {
    const received: { auth: string | undefined; body: { events: { action: string }[] } }[] = [];
    const server = createServer((request: IncomingMessage, response) => {
      let data = '';
      request.on('data', (chunk: Buffer) => (data += chunk.toString()));
      request.on('end', () => {
        received.push({
          auth: request.headers.authorization,
          body: JSON.parse(data) as { events: { action: string }[] },
        });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ accepted: 1, duplicates: 0 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const token = 'internal-token-of-at-least-32-characters!';
    const app = await build({
      SOCIAL_LOG_SERVICE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      INTERNAL_API_TOKEN: token,
    });
    try {
      await app.ready();
      await createEvent(app);
      const deadline = Date.now() + 10_000;
      while (received.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(received[0]?.auth).toBe(`Bearer ${token}`);
      expect(received[0]?.body.events.map((e) => e.action)).toEqual(['event.created']);
    } finally {
      await app.close();
      server.close();
    }
  });
});
