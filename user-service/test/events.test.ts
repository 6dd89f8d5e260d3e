import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { ServiceApp } from '@cloud-backend/shared';
import { adminToken, bearer, build, openWindow, todayIn, userToken } from './helper.js';

function generate(app: ServiceApp, payload: unknown, token = adminToken()) {
  return app.inject({
    method: 'POST',
    url: '/qr/admin/generate',
    headers: bearer(token),
    payload: payload as Record<string, unknown>,
  });
}

function decodePng(dataUrl: string) {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));
  return { png, text: jsQR.default(new Uint8ClampedArray(png.data), png.width, png.height)?.data };
}

describe('events', () => {
  let app: ServiceApp;
  const today = todayIn();
  beforeAll(async () => {
    app = await build();
  });
  afterAll(() => app.close());

  it('lists no events as an empty array (not the original null)', async () => {
    const response = await app.inject({ url: '/qr/admin/events', headers: bearer(adminToken()) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ events: [], total: 0 });
  });

  it('creates an event with the original reply, QR text and a 256×256 PNG that decodes to it', async () => {
    // Admin 4242 has never been seen: the original failed here with a 500
    // (docs/compatibility.md#fix-admin-without-profile).
    const response = await generate(
      app,
      { event_name: 'Team Meeting', date: today, expires_hours: 24, ...openWindow() },
      adminToken(4242),
    );
    expect(response.statusCode).toBe(201);
    const body = response.json<Record<string, string>>();
    expect(body).toMatchObject({
      message: 'QR generato con successo',
      event_id: `team-meeting-${today}`,
      event_name: 'Team Meeting',
      date: today,
      rotation_seconds: null,
    });
    expect(body.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(body.qr_content).toMatch(
      /^\{"jwt":"[\w-]+\.[\w-]+\.[\w-]+","type":"attendance_qr","version":"1\.0"\}$/,
    );
    const { png, text } = decodePng(body.qr_image_base64 ?? '');
    expect([png.width, png.height]).toEqual([256, 256]);
    expect(text).toBe(body.qr_content);

    const jwt = (JSON.parse(body.qr_content ?? '') as { jwt: string }).jwt;
    const [header, payload] = jwt
      .split('.')
      .slice(0, 2)
      .map(
        (part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>,
      );
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toEqual({
      event_id: `team-meeting-${today}`,
      event_name: 'Team Meeting',
      date: today,
      created_by: 4242,
      iss: 'attendance-system',
      sub: `team-meeting-${today}`,
      exp: Math.floor(Date.parse(body.expires_at ?? '') / 1000),
      iat: expect.any(Number) as unknown,
      typ: 'attendance_qr',
      eid: expect.any(Number) as unknown,
    });
  });

  it('answers 409 with the name as sent when the folded id exists', async () => {
    const response = await generate(app, { event_name: 'team_MEETING', date: today });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      error: `Evento 'team_MEETING' per la data ${today} già esistente`,
      code: 'EVENT_EXISTS',
      event_id: `team-meeting-${today}`,
    });
  });

  it('computes the default window in EVENT_TIMEZONE (Europe/Rome), DST included', async () => {
    const summer = (
      await generate(app, { event_name: 'Summer', date: '2099-07-01' })
    ).json<unknown>();
    expect(summer).toMatchObject({
      starts_at: '2099-06-30T22:00:00Z',
      expires_at: '2099-07-01T21:59:59Z',
    });
    const winter = (
      await generate(app, { event_name: 'Winter', date: '2099-01-15' })
    ).json<unknown>();
    expect(winter).toMatchObject({
      starts_at: '2099-01-14T23:00:00Z',
      expires_at: '2099-01-15T22:59:59Z',
    });
    const short = await generate(app, {
      event_name: 'Short',
      date: '2099-07-01',
      expires_hours: 2,
    });
    expect(short.json()).toMatchObject({ expires_at: '2099-07-01T00:00:00Z' });
  });

  it('folds hostile and foreign names into safe, bounded, unique ids', async () => {
    const names: [string, RegExp][] = [
      ["'; DROP TABLE users; --", /^drop-table-users-2099-03-01$/],
      ['Caffè & Cornetto!', /^caffe-cornetto-2099-03-01$/],
      ['Straße/Øresund', /^strasse-oresund-2099-03-01$/],
      ['🎉🎉', /^event-[0-9a-f]{10}-2099-03-01$/],
      ['会议', /^event-[0-9a-f]{10}-2099-03-01$/],
      ['a'.repeat(255), /^a{69}-[0-9a-f]{10}-2099-03-01$/],
      [`${'a'.repeat(200)}b`, /^a{69}-[0-9a-f]{10}-2099-03-01$/],
    ];
    const ids = new Set<string>();
    for (const [name, pattern] of names) {
      const response = await generate(app, { event_name: name, date: '2099-03-01' });
      expect(response.statusCode, name).toBe(201);
      const body = response.json<{ event_id: string; event_name: string }>();
      expect(body.event_id).toMatch(pattern);
      expect(body.event_id).toMatch(/^[a-z0-9-]{1,100}$/);
      expect(body.event_name).toBe(name);
      ids.add(body.event_id);
    }
    expect(ids.size).toBe(names.length);
    const users = await app.inject({
      url: `/qr/admin/events/${encodeURIComponent([...ids][0] ?? '')}/users`,
      headers: bearer(adminToken()),
    });
    expect(users.statusCode).toBe(200);
  });

  it('validates in the original order with its messages', async () => {
    const required = { error: 'Nome evento e data sono richiesti', code: 'EVENT_FIELDS_REQUIRED' };
    const badDate = { error: 'Formato data non valido (YYYY-MM-DD)', code: 'INVALID_DATE' };
    const payload = { error: 'Payload non valido', code: 'INVALID_PAYLOAD' };
    const cases: [unknown, number, unknown][] = [
      [{}, 400, required],
      [{ event_name: 'X' }, 400, required],
      [{ date: today }, 400, required],
      [{ event_name: '   ', date: today }, 400, required],
      [{ event_name: 'X', date: '2025-02-30' }, 400, badDate],
      [{ event_name: 'X', date: '2025-2-3' }, 400, badDate],
      [{ event_name: 'X', date: '2025-02-03T00:00:00Z' }, 400, badDate],
      [{ event_name: 'X', date: '0000-01-01' }, 400, badDate],
      [{ event_name: 'X', date: "2025-01-01'; --" }, 400, badDate],
      [{ event_name: 123, date: today }, 400, payload],
      [{ event_name: 'X', date: today, expires_hours: 1.5 }, 400, payload],
      [{ event_name: 'X', date: today, expires_hours: '3' }, 400, payload],
      [['array'], 400, payload],
      [{ event_name: 'x'.repeat(256), date: today }, 400, { code: 'INVALID_EVENT_NAME' }],
      [{ event_name: 'tab\tand\nnewline', date: today }, 400, { code: 'INVALID_EVENT_NAME' }],
      [{ event_name: 'R', date: today, rotation_seconds: 5 }, 400, { code: 'INVALID_ROTATION' }],
      [
        { event_name: 'W', date: today, starts_at: 'soon' },
        400,
        { code: 'INVALID_VALIDITY_WINDOW' },
      ],
      [
        {
          event_name: 'W',
          date: today,
          starts_at: '2099-01-02T00:00:00Z',
          expires_at: '2099-01-01T00:00:00Z',
        },
        400,
        { code: 'INVALID_VALIDITY_WINDOW' },
      ],
      [{ event_name: 'Past', date: '2020-01-01' }, 400, { code: 'EVENT_ALREADY_ENDED' }],
    ];
    for (const [body, status, expected] of cases) {
      const response = await generate(app, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(response.json()).toMatchObject(expected as Record<string, unknown>);
    }
    // PostgreSQL cannot store NUL: a 400 of one kind or another, never a 500.
    const nul = await generate(app, { event_name: 'nul\u0000byte', date: today });
    expect(nul.statusCode).toBe(400);
    expect(['INVALID_EVENT_NAME', 'INVALID_PAYLOAD']).toContain(nul.json<{ code: string }>().code);
  });

  it('is for admins only', async () => {
    const forbidden = await generate(app, { event_name: 'X', date: today }, userToken(5));
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toEqual({ error: 'Admin access required', code: 'ADMIN_REQUIRED' });
    for (const url of ['/qr/admin/events', '/qr/admin/events/x/users', '/qr/admin/events/x/qr']) {
      const response = await app.inject({ url, headers: bearer(userToken(5)) });
      expect(response.statusCode).toBe(403);
    }
    const anonymous = await app.inject({ url: '/qr/admin/events' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({
      error: 'Token non valido o mancante',
      code: 'TOKEN_INVALID',
    });
  });
});
