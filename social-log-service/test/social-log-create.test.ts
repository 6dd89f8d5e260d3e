import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { build, postLog, VALID_LOG as valid } from './helper.js';

const INVALID_BODY = { error: 'Invalid body', code: 'INVALID_BODY' };
const MISSING_FIELDS = { error: 'Missing fields', code: 'MISSING_FIELDS' };

let app: ServiceApp;
beforeAll(async () => {
  app = await build();
});
afterAll(() => app.close());

/** Objects are sent as JSON; strings as they are, with whatever content type the test says. */
function post(
  payload: object | string | undefined,
  headers: Record<string, string> = {},
  userId = 7,
) {
  return postLog(app, payload, headers, userId);
}

describe('POST /api/social/log: stored', () => {
  it('answers 201 with the stored record, user_id from the token, times in UTC', async () => {
    const response = await post(valid, {}, 42);
    expect(response.statusCode).toBe(201);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json<Record<string, unknown>>();
    expect(body).toEqual({
      id: expect.any(Number) as unknown,
      user_id: 42,
      social: 'instagram',
      timestamp: '2025-06-22T08:00:00Z',
      content: 'A post',
      status: 'published',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/) as unknown,
    });
    expect(Math.abs(Date.parse(body.created_at as string) - Date.now())).toBeLessThan(60_000);
  });

  it('keeps the instant sent (timestamptz), to the microsecond', async () => {
    const response = await post({ ...valid, timestamp: '2025-01-01T00:00:00.123456-05:00' });
    const { id, timestamp } = response.json<{ id: number; timestamp: string }>();
    expect(timestamp).toBe('2025-01-01T05:00:00.123456Z');
    const { rows } = await app.db.query<{ same: boolean; user_id: number; type: string }>(
      `SELECT "timestamp" = '2025-01-01T05:00:00.123456Z'::timestamptz AS same, user_id,
              pg_typeof("timestamp")::text AS type
         FROM social_logs WHERE id = $1`,
      [id],
    );
    expect(rows[0]).toEqual({ same: true, user_id: 7, type: 'timestamp with time zone' });
  });

  it('ignores unknown keys, and a user_id in the body', async () => {
    const response = await post({ ...valid, user_id: 999, extra: [1, 2] }, {}, 8);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ user_id: 8 });
  });

  it('stores strings as sent: no trimming, unicode intact', async () => {
    const response = await post({ ...valid, social: ' 📸 insta ', content: 'ünïcødé ✓\n<b>x</b>' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ social: ' 📸 insta ', content: 'ünïcødé ✓\n<b>x</b>' });
  });

  it.each(['application/json; charset=utf-8', 'application/vnd.example+json'])(
    'reads JSON sent as %s',
    async (type) => {
      const response = await post(JSON.stringify(valid), { 'content-type': type });
      expect(response.statusCode).toBe(201);
    },
  );

  it('accepts fields exactly as long as their columns, counted in characters', async () => {
    const response = await post({
      ...valid,
      social: '😀'.repeat(50),
      status: 'é'.repeat(20),
      content: 'x'.repeat(10_000),
    });
    expect(response.statusCode).toBe(201);
  });
});

describe('POST /api/social/log: "Invalid body"', () => {
  it.each([
    ['malformed JSON', '{"social": "x",', 'application/json'],
    ['an empty JSON body', '', 'application/json'],
    ['a JSON array', JSON.stringify([valid]), 'application/json'],
    ['a JSON string', '"text"', 'application/json'],
    ['JSON null', 'null', 'application/json'],
    ['a __proto__ key', '{"__proto__": {"admin": true}}', 'application/json'],
    ['text/plain', JSON.stringify(valid), 'text/plain'],
    [
      'a form',
      'social=x&timestamp=2025-06-22T10:00:00Z&content=c&status=s',
      'application/x-www-form-urlencoded',
    ],
    ['XML', '<Log><Social>x</Social></Log>', 'application/xml'],
  ])('for %s', async (_name, payload, type) => {
    const response = await post(payload, { 'content-type': type });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(INVALID_BODY);
  });

  it('for no body and no content type', async () => {
    const response = await post(undefined);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(INVALID_BODY);
  });

  it.each([
    ['social', 5],
    ['content', { text: 'x' }],
    ['status', true],
    ['timestamp', 1750579200],
    ['timestamp', ['2025-06-22T10:00:00Z']],
  ])('for a %s of the wrong type (%j)', async (field, value) => {
    const response = await post({ ...valid, [field]: value });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(INVALID_BODY);
  });

  it.each([
    '',
    '2025-06-22',
    '2025-06-22T10:00:00',
    '22/06/2025 10:00',
    '2025-06-31T10:00:00Z',
    '2025-06-22T25:00:00Z',
    'now',
    '0000-01-01T00:00:00Z',
  ])('for the timestamp %j', async (timestamp) => {
    const response = await post({ ...valid, timestamp });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(INVALID_BODY);
  });

  it('even when fields are also missing: the body is parsed first, as in the original', async () => {
    const response = await post({ timestamp: 'yesterday' });
    expect(response.json()).toEqual(INVALID_BODY);
  });
});

describe('POST /api/social/log: "Missing fields"', () => {
  it('for an empty object', async () => {
    const response = await post({});
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(MISSING_FIELDS);
  });

  for (const field of ['social', 'timestamp', 'content', 'status'] as const) {
    it(`for ${field} absent or null`, async () => {
      const rest = Object.fromEntries(Object.entries(valid).filter(([key]) => key !== field));
      for (const payload of [rest, { ...valid, [field]: null }]) {
        const response = await post(payload);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual(MISSING_FIELDS);
      }
    });
  }

  it.each(['social', 'content', 'status'])('for %s empty', async (field) => {
    const response = await post({ ...valid, [field]: '' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(MISSING_FIELDS);
  });

  it.each(['0001-01-01T00:00:00Z', '0001-01-01T01:00:00+01:00'])(
    "for Go's zero time %s",
    async (timestamp) => {
      const response = await post({ ...valid, timestamp });
      expect(response.json()).toEqual(MISSING_FIELDS);
    },
  );
});
