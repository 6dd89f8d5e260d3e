import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigner } from 'fast-jwt';
import type { ServiceApp } from '@cloud-backend/shared';
import { TEST_JWT_SECRET } from '@cloud-backend/shared/testing';
import { deriveQrKey } from '../src/qr/qr-token.js';
import {
  adminToken,
  bearer,
  build,
  createEvent,
  scan,
  userToken,
  type CreatedEvent,
} from './helper.js';

const QR_KEY = deriveQrKey(TEST_JWT_SECRET, undefined);

/** The jwt inside a generate reply's qr_content. */
const jwtOf = (event: CreatedEvent) => (JSON.parse(event.qr_content) as { jwt: string }).jwt;

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

const qr = (jwt: string) => ({ jwt, type: 'attendance_qr', version: '1.0' });

describe('POST /qr/scan', () => {
  let app: ServiceApp;
  let event: CreatedEvent;
  beforeAll(async () => {
    app = await build();
    event = await createEvent(app, { event_name: 'Team Meeting' });
  });
  afterAll(() => app.close());

  it('checks a user in: 201 with the original body', async () => {
    const response = await scan(app, userToken(101), event.qr_content);
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toEqual({
      success: true,
      message: 'Presenza registrata automaticamente',
      event_id: event.event_id,
      event_name: 'Team Meeting',
      status: 'present',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as unknown,
      validation: 'automatic',
      table_name: `attendance_${event.event_id.replaceAll('-', '_')}`,
    });
  });

  it('refuses a second scan by the same user with the original 409', async () => {
    const response = await scan(app, userToken(101), event.qr_content);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      error: 'Hai già registrato la presenza per questo evento',
      code: 'ALREADY_CHECKED_IN',
    });
  });

  it('lets an admin scan again (refreshing the time), as the original', async () => {
    const admin = adminToken(7);
    expect((await scan(app, admin, event.qr_content)).statusCode).toBe(201);
    expect((await scan(app, admin, event.qr_content)).statusCode).toBe(201);
  });

  it('answers 401 "Token non valido o mancante" without a valid access token', async () => {
    for (const headers of [{}, bearer('nonsense'), bearer(jwtOf(event))]) {
      const response = await app.inject({
        method: 'POST',
        url: '/qr/scan',
        headers,
        payload: { qr_content: qr(jwtOf(event)) },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        error: 'Token non valido o mancante',
        code: 'TOKEN_INVALID',
      });
    }
  });

  it('answers "Payload non valido" for bodies it cannot read', async () => {
    const token = userToken(102);
    const cases = [
      { payload: 'not json', headers: { 'content-type': 'application/json' } },
      { payload: { qr_content: 'a string, not an object' } },
      { payload: { qr_content: qr(jwtOf(event)), motivazione: 42 } },
      { payload: { qr_content: { jwt: 12345 } } },
      { payload: { qr_content: ['array'] } },
      { payload: 'qr_content=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    ];
    for (const { payload, headers } of cases) {
      const response = await app.inject({
        method: 'POST',
        url: '/qr/scan',
        headers: { ...bearer(token), ...headers },
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json()).toEqual({ error: 'Payload non valido', code: 'INVALID_PAYLOAD' });
    }
  });

  it('answers "QR content è richiesto" when the jwt is missing or empty', async () => {
    for (const content of [undefined, {}, { jwt: '' }, { type: 'attendance_qr' }]) {
      const response = await scan(app, userToken(102), content);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'QR content è richiesto',
        code: 'QR_CONTENT_REQUIRED',
      });
    }
  });

  it('answers "Tipo QR non supportato" with received_type, and accepts an empty type', async () => {
    const response = await scan(app, userToken(102), { jwt: jwtOf(event), type: 'wifi' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: 'Tipo QR non supportato',
      code: 'QR_TYPE_UNSUPPORTED',
      received_type: 'wifi',
    });
    expect((await scan(app, userToken(102), { jwt: jwtOf(event), type: '' })).statusCode).toBe(201);
  });

  it('answers "QR non valido o scaduto" for hostile and foreign tokens, never a 500', async () => {
    const now = Math.floor(Date.now() / 1000);
    const genuine = claimsOf(jwtOf(event));
    const withQrKey = createSigner({ key: QR_KEY, algorithm: 'HS256' });
    const withAccessKey = createSigner({ key: TEST_JWT_SECRET, algorithm: 'HS256' });
    const hs512 = createSigner({ key: QR_KEY, algorithm: 'HS512' });
    const tokens = [
      'garbage',
      'a.b.c',
      "'; DROP TABLE attendance; --",
      '\u202e\u{1F600}é漢字',
      'x'.repeat(100_000),
      userToken(102), // an access token is not a QR token
      withAccessKey(genuine), // the original's key: QR tokens signed with JWT_SECRET
      hs512(genuine), // HS256 only
      withQrKey({ ...genuine, exp: now - 1 }), // expired
      withQrKey({ ...genuine, iat: now + 3600 }), // issued in the future
      withQrKey({ ...genuine, typ: 'access' }),
      withQrKey({ ...genuine, iss: 'someone-else' }),
      withQrKey({ ...genuine, event_id: 42 }),
      withQrKey({ ...genuine, created_by: 'admin' }),
      withQrKey({ ...genuine, sub: 'other-event' }),
      withQrKey({ ...genuine, exp: undefined }),
      `${jwtOf(event).slice(0, -2)}xx`, // tampered signature
    ];
    for (const jwt of tokens) {
      const response = await scan(app, userToken(103), qr(jwt));
      expect(response.statusCode, jwt.slice(0, 60)).toBe(400);
      expect(response.json()).toEqual({ error: 'QR non valido o scaduto', code: 'QR_INVALID' });
    }
  });

  it('answers 404 "Evento non trovato o non attivo" for an unknown or deactivated event', async () => {
    const withQrKey = createSigner({ key: QR_KEY, algorithm: 'HS256' });
    const unknown = withQrKey({ ...claimsOf(jwtOf(event)), event_id: 'nope', sub: 'nope' });
    const other = await createEvent(app);
    const patch = await app.inject({
      method: 'PATCH',
      url: `/qr/admin/events/${other.event_id}`,
      headers: bearer(adminToken()),
      payload: { is_active: false },
    });
    expect(patch.statusCode).toBe(200);
    for (const content of [qr(unknown), JSON.parse(other.qr_content)]) {
      const response = await scan(app, userToken(104), content);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({
        error: 'Evento non trovato o non attivo',
        code: 'EVENT_NOT_ACTIVE',
      });
    }
  });

  it("does not let a deleted event's QR open a re-created event of the same name", async () => {
    const first = await createEvent(app, { event_name: 'Reborn' });
    const removed = await app.inject({
      method: 'DELETE',
      url: `/qr/admin/events/${first.event_id}`,
      headers: bearer(adminToken()),
    });
    expect(removed.statusCode).toBe(200);
    const second = await createEvent(app, { event_name: 'Reborn' });
    expect(second.event_id).toBe(first.event_id);
    expect((await scan(app, userToken(105), first.qr_content)).statusCode).toBe(404);
    expect((await scan(app, userToken(105), second.qr_content)).statusCode).toBe(201);
  });

  it('refuses check-in before starts_at and after expires_at', async () => {
    const hour = 3600_000;
    const future = await createEvent(app, {
      starts_at: new Date(Date.now() + hour).toISOString(),
      expires_at: new Date(Date.now() + 2 * hour).toISOString(),
    });
    const early = await scan(app, userToken(106), future.qr_content);
    expect(early.statusCode).toBe(400);
    expect(early.json()).toEqual({
      error: 'Check-in for this event has not opened yet',
      code: 'EVENT_NOT_STARTED',
    });

    const open = await createEvent(app);
    await app.db.query(
      `UPDATE attendance_events SET expires_at = now() - interval '1 second',
              starts_at = now() - interval '1 hour' WHERE event_id = $1`,
      [open.event_id],
    );
    const late = await scan(app, userToken(106), open.qr_content);
    expect(late.statusCode).toBe(400);
    expect(late.json()).toEqual({ error: 'QR non valido o scaduto', code: 'QR_INVALID' });
  });

  it('records exactly one check-in when one user scans 10 times at once', async () => {
    const fresh = await createEvent(app);
    const token = userToken(500);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => scan(app, token, fresh.qr_content)),
    );
    const codes = responses.map((r) => r.statusCode).sort();
    expect(codes).toEqual([201, ...Array<number>(9).fill(409)]);
    const { rows } = await app.db.query(
      'SELECT count(*)::int AS n FROM attendance WHERE event_id = $1',
      [fresh.event_id],
    );
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('records 200 users scanning at once, each exactly once', async () => {
    const fresh = await createEvent(app);
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) => scan(app, userToken(1000 + i), fresh.qr_content)),
    );
    expect(responses.every((r) => r.statusCode === 201)).toBe(true);
    const { rows } = await app.db.query(
      `SELECT count(*)::int AS n, count(DISTINCT user_id)::int AS users FROM attendance
        WHERE event_id = $1`,
      [fresh.event_id],
    );
    expect(rows[0]).toEqual({ n: 200, users: 200 });
  });
});
