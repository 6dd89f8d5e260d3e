import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { adminToken, bearer, build, createEvent, scan, todayIn, userToken } from './helper.js';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const admin = bearer(adminToken(1));

function setStatus(app: ServiceApp, eventId: string, userId: number | string, payload: unknown) {
  return app.inject({
    method: 'PATCH',
    url: `/qr/admin/events/${eventId}/users/${userId}/status`,
    headers: admin,
    payload: payload as Record<string, unknown>,
  });
}

describe('event reports, status edits and the user’s own attendance', () => {
  let app: ServiceApp;
  let eventId: string;
  let qr: string;
  beforeAll(async () => {
    app = await build();
    const event = await createEvent(app, { event_name: 'Report' });
    eventId = event.event_id;
    qr = event.qr_content;
    // 11 and 12 scan; 13 only signs in (so the service knows them) and is marked absent.
    await scan(app, userToken(11, { name: 'Alice', surname: 'Rossi' }), qr);
    await scan(app, userToken(12, { name: '=cmd|calc', surname: 'Bianchi' }), qr);
    await app.inject({ url: '/qr/attendance/today', headers: bearer(userToken(13)) });
  });
  afterAll(() => app.close());

  it('lists an event’s scanners as the original (an empty list is [])', async () => {
    const empty = await createEvent(app);
    const none = await app.inject({
      url: `/qr/admin/events/${empty.event_id}/users`,
      headers: admin,
    });
    expect(none.json()).toMatchObject({ users: [], qr_scanners: 0, total_users: 0 });

    const response = await app.inject({ url: `/qr/admin/events/${eventId}/users`, headers: admin });
    expect(response.statusCode).toBe(200);
    const body = response.json<Record<string, unknown> & { users: Record<string, unknown>[] }>();
    expect(body).toMatchObject({
      event_id: eventId,
      event_name: 'Report',
      event_date: todayIn(),
      qr_scanners: 2,
      total_users: 2,
      system_type: 'selective_qr_only',
      statistics: {
        total_users: 2,
        present_count: 2,
        absent_count: 0,
        scanned_count: 2,
        attendance_rate: 100,
        status_breakdown: {
          present: 2,
          not_registered: 0,
          hospital: 0,
          family: 0,
          emergency: 0,
          vacancy: 0,
          personal: 0,
        },
      },
    });
    // Newest scan first.
    expect(body.users.map((u) => u.user_id)).toEqual([12, 11]);
    expect(body.users[1]).toEqual({
      user_id: 11,
      name: 'Alice',
      surname: 'Rossi',
      status: 'present',
      motivazione: null,
      scanned_at: expect.stringMatching(RFC3339) as unknown,
      updated_at: expect.stringMatching(RFC3339) as unknown,
      updated_by: null,
    });
    const same = await app.inject({
      url: `/qr/admin/events/${eventId}/attendance`,
      headers: admin,
    });
    expect(same.json()).toEqual(body);
  });

  it('sets any of the 7 statuses with a motivazione, for scanners and absentees', async () => {
    const response = await setStatus(app, eventId, 13, {
      status: 'hospital',
      motivazione: 'ricovero',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      message: 'Status updated',
      event_id: eventId,
      user: {
        user_id: 13,
        name: 'Name13',
        surname: 'Surname13',
        status: 'hospital',
        motivazione: 'ricovero',
        scanned_at: null,
        updated_at: expect.stringMatching(RFC3339) as unknown,
        updated_by: 1,
      },
    });
    for (const status of [
      'family',
      'emergency',
      'vacancy',
      'personal',
      'not_registered',
      'present',
    ]) {
      expect((await setStatus(app, eventId, 12, { status })).statusCode).toBe(200);
    }
    const report = await app.inject({ url: `/qr/admin/events/${eventId}/users`, headers: admin });
    expect(report.json()).toMatchObject({
      qr_scanners: 2,
      total_users: 3,
      statistics: { total_users: 3, present_count: 2, absent_count: 1, scanned_count: 2 },
    });
    expect(
      report.json<{ statistics: { attendance_rate: number } }>().statistics.attendance_rate,
    ).toBe((2 / 3) * 100);
  });

  it('refuses bad statuses, ids and unknown users or events', async () => {
    const bad = await setStatus(app, eventId, 13, { status: 'absent' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      error: 'Invalid status',
      code: 'INVALID_STATUS',
      valid_statuses: [
        'present',
        'not_registered',
        'hospital',
        'family',
        'emergency',
        'vacancy',
        'personal',
      ],
    });
    expect((await setStatus(app, eventId, 'abc', { status: 'family' })).json()).toEqual({
      error: 'ID utente non valido',
      code: 'INVALID_USER_ID',
    });
    expect((await setStatus(app, eventId, 99999, { status: 'family' })).json()).toEqual({
      error: 'Utente non trovato',
      code: 'USER_NOT_FOUND',
    });
    expect((await setStatus(app, 'missing', 13, { status: 'family' })).statusCode).toBe(404);
    expect((await setStatus(app, eventId, 13, {})).statusCode).toBe(400);
    const user = await app.inject({
      method: 'PATCH',
      url: `/qr/admin/events/${eventId}/users/13/status`,
      headers: bearer(userToken(13)),
      payload: { status: 'present' },
    });
    expect(user.statusCode).toBe(403);
  });

  it('a scan after an admin-set absence turns it into a check-in', async () => {
    const event = await createEvent(app);
    await app.inject({ url: '/qr/attendance/today', headers: bearer(userToken(14)) });
    await setStatus(app, event.event_id, 14, { status: 'family' });
    const response = await scan(app, userToken(14), event.qr_content);
    expect(response.statusCode).toBe(201);
    const { rows } = await app.db.query(
      'SELECT status, scanned_at IS NOT NULL AS scanned FROM attendance WHERE event_id = $1',
      [event.event_id],
    );
    expect(rows).toEqual([{ status: 'present', scanned: true }]);
  });

  it('exports the report as CSV, defusing spreadsheet formulas', async () => {
    const response = await app.inject({
      url: `/qr/admin/events/${eventId}/export.csv`,
      headers: admin,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="attendance-${eventId}.csv"`,
    );
    const lines = response.body.trim().split('\n');
    expect(lines[0]).toBe(
      'user_id,name,surname,status,motivazione,scanned_at,updated_at,updated_by',
    );
    expect(lines).toHaveLength(4);
    expect(response.body).toContain("'=cmd|calc");
    expect(response.body).toMatch(/^13,Name13,Surname13,hospital,ricovero,,\S+Z,1$/m);
  });

  it('gives a user their history, newest first, paginated', async () => {
    const second = await createEvent(app, { event_name: 'Second' });
    await scan(app, userToken(11), second.qr_content);
    const response = await app.inject({
      url: '/qr/attendance/history?page=1&limit=1',
      headers: bearer(userToken(11)),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      attendances: [
        {
          id: expect.any(Number) as unknown,
          event_id: second.event_id,
          event_name: 'Second',
          date: todayIn(),
          timestamp: expect.stringMatching(RFC3339) as unknown,
          status: 'present',
        },
      ],
      total: 2,
      page: 1,
      limit: 1,
    });
    const page2 = await app.inject({
      url: '/qr/attendance/history?page=2&limit=1',
      headers: bearer(userToken(11)),
    });
    expect(page2.json<{ attendances: { event_id: string }[] }>().attendances[0]?.event_id).toBe(
      eventId,
    );
    const absent = await app.inject({
      url: '/qr/attendance/history',
      headers: bearer(userToken(13)),
    });
    expect(absent.json()).toMatchObject({
      attendances: [{ status: 'hospital', motivazione: 'ricovero' }],
      total: 1,
      page: 1,
      limit: 10,
    });
    const nobody = await app.inject({
      url: '/qr/attendance/history',
      headers: bearer(userToken(77)),
    });
    expect(nobody.json()).toEqual({ attendances: [], total: 0, page: 1, limit: 10 });
  });

  it('reads page and limit leniently, clamping limit to 100', async () => {
    for (const [query, page, limit] of [
      ['page=abc&limit=xyz', 1, 10],
      ['page=0&limit=0', 1, 10],
      ['page=-3&limit=-1', 1, 10],
      ['page=2&limit=500', 2, 100],
      ['page=%27%3B--&limit=1e3', 1, 10],
    ] as const) {
      const response = await app.inject({
        url: `/qr/attendance/history?${query}`,
        headers: bearer(userToken(11)),
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ page, limit });
    }
  });

  it("answers today's attendance in the events' time zone", async () => {
    const response = await app.inject({
      url: '/qr/attendance/today',
      headers: bearer(userToken(12)),
    });
    expect(response.json()).toEqual({
      has_attendance: true,
      date: todayIn(),
      time_zone: 'Europe/Rome',
      attendance: {
        id: expect.any(Number) as unknown,
        event_id: eventId,
        status: 'present',
        timestamp: expect.stringMatching(RFC3339) as unknown,
        event_name: 'Report',
      },
    });
    const none = await app.inject({ url: '/qr/attendance/today', headers: bearer(userToken(78)) });
    expect(none.json()).toEqual({
      has_attendance: false,
      date: todayIn(),
      time_zone: 'Europe/Rome',
    });
    const anonymous = await app.inject({ url: '/qr/attendance/today' });
    expect(anonymous.statusCode).toBe(401);
  });
});
