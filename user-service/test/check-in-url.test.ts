import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import type { ServiceApp } from '@cloud-backend/shared';
import { TEST_JWT_SECRET } from '@cloud-backend/shared/testing';
import {
  CHECK_IN_PATH,
  CheckInTokens,
  MAX_CHECK_IN_TOKEN_LENGTH,
  MAX_COMPACT_PUBLIC_URL_LENGTH,
  checkInTokenFrom,
} from '../src/qr/check-in-url.js';
import { deriveQrKey } from '../src/qr/qr-token.js';
import {
  adminToken,
  bearer,
  build,
  createEvent,
  openWindow,
  todayIn,
  userToken,
} from './helper.js';

const PUBLIC_URL = 'https://attendance.example.org';
const tokens = new CheckInTokens(deriveQrKey(TEST_JWT_SECRET, undefined));

function decodePng(dataUrl: string) {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));
  return { png, text: jsQR.default(new Uint8ClampedArray(png.data), png.width, png.height)?.data };
}

/** The QR version the library picks for a text at error correction M, as the replies draw it. */
const versionOf = (text: string) => QRCode.create(text, { errorCorrectionLevel: 'M' }).version;

/** A random base64url string of a length: every character class a token can hold. */
const randomToken = (length: number) => randomBytes(length).toString('base64url').slice(0, length);

describe('check-in tokens', () => {
  it('round-trips static and rotating tokens of the longest sizes', () => {
    const now = Date.now();
    const staticToken = tokens.issue({ id: 2 ** 31 - 1, rotation_seconds: null }, now);
    const rotating = tokens.issue({ id: 2 ** 31 - 1, rotation_seconds: 10 }, now);
    expect(staticToken).toHaveLength(23);
    expect(rotating).toHaveLength(MAX_CHECK_IN_TOKEN_LENGTH);
    expect(tokens.verify(staticToken)).toEqual({ eid: 2 ** 31 - 1, rot: undefined });
    expect(tokens.verify(rotating)).toEqual({
      eid: 2 ** 31 - 1,
      rot: Math.floor(now / 1000 / 10),
    });
  });

  it('refuses forged, foreign and malformed tokens (never throws)', () => {
    const genuine = Buffer.from(tokens.issue({ id: 42, rotation_seconds: 30 }), 'base64url');
    const other = new CheckInTokens(Buffer.from('another key that is long enough for hs256'));
    const flipped = (index: number) => {
      const copy = Buffer.from(genuine);
      copy[index] = (copy[index] ?? 0) ^ 1;
      return copy.toString('base64url');
    };
    const forged = [
      flipped(1), // another event
      flipped(8), // another period
      flipped(genuine.length - 1), // the MAC
      other.issue({ id: 42, rotation_seconds: 30 }),
      Buffer.concat([Buffer.from([3]), genuine.subarray(1)]).toString('base64url'),
      genuine.subarray(0, -1).toString('base64url'),
      `${genuine.toString('base64url')}A`,
      `${genuine.toString('base64')}==`,
      '',
      'x'.repeat(10_000),
      '\u202e\u{1F600}',
      tokens.issue({ id: 0, rotation_seconds: null }),
    ];
    for (const token of forged) expect(tokens.verify(token), token.slice(0, 40)).toBeNull();
  });

  it('finds the token in a whole check-in URL or takes a bare one', () => {
    expect(checkInTokenFrom(` ${PUBLIC_URL}${CHECK_IN_PATH}AbC-_1 `)).toBe('AbC-_1');
    expect(checkInTokenFrom('AbC-_1')).toBe('AbC-_1');
  });

  it(`keeps the QR of the longest check-in URL at version 6 or lower (M) for a PUBLIC_URL of up to ${String(MAX_COMPACT_PUBLIC_URL_LENGTH)} characters`, () => {
    const longest = (publicUrl: string, token: string) => `${publicUrl}${CHECK_IN_PATH}${token}`;
    // All in byte mode (lower case), the densest; and random tokens of every character class.
    const base = `https://${'a'.repeat(MAX_COMPACT_PUBLIC_URL_LENGTH - 'https://'.length)}`;
    expect(base).toHaveLength(MAX_COMPACT_PUBLIC_URL_LENGTH);
    expect(versionOf(longest(base, 'a'.repeat(MAX_CHECK_IN_TOKEN_LENGTH)))).toBeLessThanOrEqual(6);
    for (let i = 0; i < 50; i += 1) {
      const token = randomToken(MAX_CHECK_IN_TOKEN_LENGTH);
      expect(versionOf(longest(base, token)), token).toBeLessThanOrEqual(6);
    }
    // A real token, with a realistic PUBLIC_URL.
    const real = tokens.issue({ id: 123_456, rotation_seconds: 10 });
    expect(versionOf(longest(PUBLIC_URL, real))).toBeLessThanOrEqual(5);
    // One character more and the densest URL needs version 7: the documented limit is exact.
    expect(versionOf(longest(`${base}a`, 'a'.repeat(MAX_CHECK_IN_TOKEN_LENGTH)))).toBe(7);
  });
});

describe('check-in URL in the event replies and at POST /qr/scan', () => {
  let app: ServiceApp;
  beforeAll(async () => {
    app = await build({ PUBLIC_URL: `${PUBLIC_URL}/` });
  });
  afterAll(() => app.close());

  const scanUrl = (user: number, checkInToken: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/qr/scan',
      headers: { ...bearer(userToken(user)), ...headers },
      payload: { check_in_token: checkInToken },
    });

  it('adds check_in_url and its PNG to generate and current QR, keeping every original field', async () => {
    const event = await createEvent(app, { event_name: 'Url lecture', rotation_seconds: 60 });
    const generated = event as unknown as Record<string, unknown>;
    for (const field of [
      'message',
      'event_id',
      'event_name',
      'date',
      'starts_at',
      'expires_at',
      'rotation_seconds',
      'qr_content',
      'qr_image_base64',
    ]) {
      expect(generated, field).toHaveProperty(field);
    }
    const url = String(generated.check_in_url);
    expect(url).toMatch(new RegExp(`^${PUBLIC_URL}/#/c/[A-Za-z0-9_-]{28}$`));
    const { png, text } = decodePng(String(generated.check_in_qr_image_base64));
    expect([png.width, png.height]).toEqual([256, 256]);
    expect(text).toBe(url);
    expect(versionOf(url)).toBeLessThanOrEqual(6);
    // The original's QR text, with its whole JWT, is far denser.
    expect(versionOf(event.qr_content)).toBeGreaterThan(10);

    const current = await app.inject({
      url: `/qr/admin/events/${event.event_id}/qr`,
      headers: bearer(adminToken()),
    });
    expect(current.statusCode).toBe(200);
    const body = current.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(
      [
        'event_id',
        'event_name',
        'date',
        'starts_at',
        'expires_at',
        'rotation_seconds',
        'allowed_networks',
        'is_active',
        'qr_content',
        'qr_image_base64',
        'rotates_at',
        'check_in_url',
        'check_in_qr_image_base64',
      ].sort(),
    );
    expect(decodePng(String(body.check_in_qr_image_base64)).text).toBe(body.check_in_url);

    const scanned = await scanUrl(201, body.check_in_url);
    expect(scanned.statusCode, scanned.body).toBe(201);
    expect(scanned.json()).toMatchObject({
      success: true,
      message: 'Presenza registrata automaticamente',
      event_id: event.event_id,
      status: 'present',
    });
    const again = await scanUrl(201, String(body.check_in_url).split('/').pop());
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({
      error: 'Hai già registrato la presenza per questo evento',
      code: 'ALREADY_CHECKED_IN',
    });
  });

  it('answers check-in tokens with the QR answers: invalid, out of period, deactivated', async () => {
    const rotating = await createEvent(app, { rotation_seconds: 10 });
    const row = await app.db.query<{ id: number }>(
      'SELECT id FROM attendance_events WHERE event_id = $1',
      [rotating.event_id],
    );
    const id = row.rows[0]?.id ?? 0;
    const stale = tokens.issue({ id, rotation_seconds: 10 }, Date.now() - 30_000);
    const future = tokens.issue({ id, rotation_seconds: 10 }, Date.now() + 30_000);
    for (const token of [stale, future, 'garbage', `${stale.slice(0, -2)}AA`]) {
      const answer = await scanUrl(202, token);
      expect(answer.statusCode, token).toBe(400);
      expect(answer.json()).toEqual({ error: 'QR non valido o scaduto', code: 'QR_INVALID' });
    }
    const missing = await scanUrl(202, tokens.issue({ id: 999_999, rotation_seconds: null }));
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      error: 'Evento non trovato o non attivo',
      code: 'EVENT_NOT_ACTIVE',
    });
    const patched = await app.inject({
      method: 'PATCH',
      url: `/qr/admin/events/${rotating.event_id}`,
      headers: bearer(adminToken()),
      payload: { is_active: false },
    });
    expect(patched.statusCode).toBe(200);
    const inactive = await scanUrl(202, tokens.issue({ id, rotation_seconds: 10 }));
    expect(inactive.statusCode).toBe(404);
    // An empty check_in_token is no token: the original's message for a missing QR.
    const empty = await scanUrl(202, ' ');
    expect(empty.json()).toEqual({ error: 'QR content è richiesto', code: 'QR_CONTENT_REQUIRED' });
    for (const bad of [42, 'x'.repeat(3000)]) {
      const answer = await scanUrl(202, bad);
      expect(answer.statusCode).toBe(400);
      expect(answer.json()).toEqual({ error: 'Payload non valido', code: 'INVALID_PAYLOAD' });
    }
  });

  it('validates, normalises, changes and clears allowed_networks', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/qr/admin/generate',
      headers: bearer(adminToken()),
      payload: {
        event_name: 'Networks',
        date: todayIn(),
        ...openWindow(),
        allowed_networks: ['10.1.2.3/8', '2001:DB8::/32', '192.0.2.7'],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const eventId = created.json<{ event_id: string }>().event_id;
    expect(created.json()).toMatchObject({
      allowed_networks: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7/32'],
    });

    const bad = [
      ['10.0.0.0/33'],
      ['2001:db8::/129'],
      ['300.1.1.1'],
      ['example.com'],
      ['10.0.0.0/8/8'],
      ['fe80::1%eth0/64'],
      ['10.0.0.0/-1'],
      [''],
      Array.from({ length: 51 }, (_, i) => `10.0.${String(i)}.0/24`),
    ];
    for (const networks of bad) {
      for (const request of [
        {
          method: 'POST' as const,
          url: '/qr/admin/generate',
          payload: { event_name: 'Bad nets', date: todayIn(), allowed_networks: networks },
        },
        {
          method: 'PATCH' as const,
          url: `/qr/admin/events/${eventId}`,
          payload: { allowed_networks: networks },
        },
      ]) {
        const answer = await app.inject({ ...request, headers: bearer(adminToken()) });
        expect(answer.statusCode, JSON.stringify(networks).slice(0, 60)).toBe(400);
        const body = answer.json<{ error: string; code: string }>();
        expect(body.code).toBe('INVALID_ALLOWED_NETWORKS');
        expect(body.error).toMatch(/allowed_networks/);
      }
    }

    const patch = (payload: unknown) =>
      app.inject({
        method: 'PATCH',
        url: `/qr/admin/events/${eventId}`,
        headers: bearer(adminToken()),
        payload: payload as Record<string, unknown>,
      });
    const changed = await patch({ allowed_networks: ['198.51.100.0/24'] });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({
      message: 'Event updated',
      is_active: true,
      allowed_networks: ['198.51.100.0/24'],
    });
    const cleared = await patch({ allowed_networks: [], is_active: false });
    expect(cleared.json()).toMatchObject({
      message: 'Event deactivated',
      is_active: false,
      allowed_networks: null,
    });
    const nothing = await patch({});
    expect(nothing.statusCode).toBe(400);
    expect(nothing.json()).toEqual({
      error: 'Send is_active, allowed_networks or both',
      code: 'NOTHING_TO_UPDATE',
    });
    const unknown = await app.inject({
      method: 'PATCH',
      url: '/qr/admin/events/no-such-event',
      headers: bearer(adminToken()),
      payload: { allowed_networks: ['10.0.0.0/8'] },
    });
    expect(unknown.statusCode).toBe(404);
  });
});
