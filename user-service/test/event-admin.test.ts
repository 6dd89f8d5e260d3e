import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { findEvent } from '../src/repositories/events.js';
import { adminToken, bearer, build, createEvent, scan, todayIn, userToken } from './helper.js';

describe('event administration', () => {
  let app: ServiceApp;
  const today = todayIn();
  beforeAll(async () => {
    app = await build();
  });
  afterAll(() => app.close());

  it('lists events newest first with statistics computed over their rows', async () => {
    await createEvent(app, { event_name: 'Nobody came' });
    const event = await createEvent(app, { event_name: 'Stats' });
    for (const user of [301, 302]) await scan(app, userToken(user), event.qr_content);
    await scan(app, userToken(303), event.qr_content);
    await app.inject({
      method: 'PATCH',
      url: `/qr/admin/events/${event.event_id}/users/303/status`,
      headers: bearer(adminToken()),
      payload: { status: 'hospital', motivazione: 'ricovero' },
    });
    const response = await app.inject({ url: '/qr/admin/events', headers: bearer(adminToken()) });
    const body = response.json<{ events: Record<string, unknown>[]; total: number }>();
    expect(body.total).toBe(body.events.length);
    expect(body.events[0]).toEqual({
      event_id: event.event_id,
      event_name: 'Stats',
      date: today,
      starts_at: event.starts_at,
      expires_at: event.expires_at,
      rotation_seconds: null,
      allowed_networks: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as unknown,
      is_active: true,
      statistics: {
        total_users: 3,
        present_count: 2,
        absent_count: 1,
        scanned_count: 3,
        attendance_rate: (2 / 3) * 100,
        status_breakdown: { present: 2, hospital: 1 },
      },
    });
    const empty = body.events.find((e) => e.event_name === 'Nobody came');
    expect(empty?.statistics).toEqual({
      total_users: 0,
      present_count: 0,
      absent_count: 0,
      scanned_count: 0,
      attendance_rate: 0,
      status_breakdown: {},
    });
  });

  it('deactivates, reactivates and deletes events (404 for unknown ones)', async () => {
    const event = await createEvent(app);
    const admin = bearer(adminToken(9));
    const off = await app.inject({
      method: 'PATCH',
      url: `/qr/admin/events/${event.event_id}`,
      headers: admin,
      payload: { is_active: false },
    });
    expect(off.json()).toMatchObject({ message: 'Event deactivated', is_active: false });
    const on = await app.inject({
      method: 'PATCH',
      url: `/qr/admin/events/${event.event_id}`,
      headers: admin,
      payload: { is_active: true },
    });
    expect(on.json()).toMatchObject({ message: 'Event activated', is_active: true });
    expect((await scan(app, userToken(401), event.qr_content)).statusCode).toBe(201);

    const deleted = await app.inject({
      method: 'DELETE',
      url: `/qr/admin/events/${event.event_id}`,
      headers: admin,
    });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toEqual({
      message: 'Event deleted successfully',
      event_id: event.event_id,
      event_name: event.event_name,
      deleted_by: 9,
      attendance_deleted: 1,
    });
    const { rows } = await app.db.query('SELECT 1 FROM attendance WHERE event_id = $1', [
      event.event_id,
    ]);
    expect(rows).toEqual([]);

    const notFound = { error: 'Event not found', code: 'EVENT_NOT_FOUND' };
    for (const [method, url, payload] of [
      ['DELETE', `/qr/admin/events/${event.event_id}`, undefined],
      ['PATCH', '/qr/admin/events/missing', { is_active: true }],
      ['GET', '/qr/admin/events/missing/qr', undefined],
      ['GET', '/qr/admin/events/missing/users', undefined],
      ['GET', '/qr/admin/events/missing/attendance', undefined],
      ['GET', '/qr/admin/events/missing/export.csv', undefined],
    ] as const) {
      const response = await app.inject({ method, url, headers: admin, payload });
      expect(response.statusCode, url).toBe(404);
      expect(response.json()).toEqual(notFound);
    }
    const invalid = await app.inject({
      method: 'PATCH',
      url: '/qr/admin/events/x',
      headers: admin,
      payload: { is_active: 'maybe' },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('gives a static QR back unchanged', async () => {
    const event = await createEvent(app);
    const response = await app.inject({
      url: `/qr/admin/events/${event.event_id}/qr`,
      headers: bearer(adminToken()),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      event_id: event.event_id,
      qr_content: event.qr_content,
      is_active: true,
      rotates_at: null,
    });
  });

  it('rotates a QR: the current and the previous period scan, older ones do not', async () => {
    const event = await createEvent(app, { rotation_seconds: 60 });
    expect(event.rotation_seconds).toBe(60);
    const current = await app.inject({
      url: `/qr/admin/events/${event.event_id}/qr`,
      headers: bearer(adminToken()),
    });
    const body = current.json<{ qr_content: string; rotates_at: string }>();
    expect(Date.parse(body.rotates_at) - Date.now()).toBeLessThanOrEqual(60_000);
    expect((await scan(app, userToken(601), body.qr_content)).statusCode).toBe(201);

    const row = await findEvent(app.db, event.event_id);
    if (!row) throw new Error('event row missing');
    const content = (offsetMs: number) =>
      JSON.stringify({
        jwt: app.qrTokens.issue(row, Date.now() + offsetMs).token,
        type: 'attendance_qr',
        version: '1.0',
      });
    expect((await scan(app, userToken(602), content(-60_000))).statusCode).toBe(201);
    const old = await scan(app, userToken(603), content(-120_000));
    expect(old.statusCode).toBe(400);
    expect(old.json()).toEqual({ error: 'QR non valido o scaduto', code: 'QR_INVALID' });
    expect((await scan(app, userToken(604), content(60_000))).statusCode).toBe(400);
    const staticToken = app.qrTokens.issue({ ...row, rotation_seconds: null }).token;
    const asStatic = await scan(app, userToken(605), { jwt: staticToken, type: 'attendance_qr' });
    expect(asStatic.statusCode).toBe(400);
  });

  it('answers hostile event ids in paths with a 4xx, never a 500', async () => {
    const ids = ['%00', 'a%0Ab', "'%3B%20DROP%20TABLE%20attendance%3B--", '%C3%A9', 'a%2Fb', '..'];
    for (const id of ids) {
      for (const suffix of ['', '/users', '/qr', '/export.csv']) {
        const response = await app.inject({
          url: `/qr/admin/events/${id}${suffix}`,
          headers: bearer(adminToken()),
        });
        expect(response.statusCode, `${id}${suffix}`).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, `${id}${suffix}`).toBeLessThan(500);
        expect(response.json<{ code: string }>().code).toMatch(/^[A-Z_]+$/);
      }
    }
  });
});
