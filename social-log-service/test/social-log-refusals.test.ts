import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type ServiceApp } from '@cloud-backend/shared';
import { signTestToken, TEST_JWT_SECRET, testJwksUrl } from '@cloud-backend/shared/testing';
import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { bearer, build, postLog, systemErrors, VALID_LOG as valid } from './helper.js';

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

describe('POST /api/social/log: fields the columns cannot hold', () => {
  it.each([
    ['social', 51, 50],
    ['status', 21, 20],
    ['content', 10_001, 10_000],
  ])('refuses a %s of %i characters (400, not a DB error)', async (field, length, max) => {
    const response = await post({ ...valid, [field]: '😀'.repeat(length) });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: 'Field too long',
      code: 'FIELD_TOO_LONG',
      details: [{ field: `body.${field}`, message: `must be at most ${max} characters` }],
    });
  });

  it('lists every over-long field at once', async () => {
    const response = await post({ ...valid, social: 'x'.repeat(60), status: 'y'.repeat(30) });
    expect(response.json<{ details: { field: string }[] }>().details.map((d) => d.field)).toEqual([
      'body.social',
      'body.status',
    ]);
  });

  it.each(['social', 'content', 'status'])('refuses U+0000 in %s', async (field) => {
    const response = await post({ ...valid, [field]: 'a\u0000b' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'INVALID_CHARACTERS',
      details: [{ field: `body.${field}` }],
    });
  });

  it('refuses an unpaired surrogate instead of storing U+FFFD', async () => {
    const response = await post(
      '{"social":"x","timestamp":"2025-06-22T10:00:00Z","content":"\\ud800","status":"s"}',
      {
        'content-type': 'application/json',
      },
    );
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'INVALID_CHARACTERS' });
  });

  it('answers 413 in JSON for a body over 1 MiB', async () => {
    const response = await post({ ...valid, content: 'x'.repeat(1024 * 1024) });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('POST /api/social/log: authentication', () => {
  it.each([
    ['no Authorization header', {}],
    ['a malformed header', { authorization: 'Token abc' }],
    [
      'a token signed with another key',
      {
        authorization: `Bearer ${signTestToken({}, { secret: 'another-secret-that-is-at-least-32-bytes' })}`,
      },
    ],
    [
      'an expired token',
      { authorization: `Bearer ${signTestToken({}, { expiresInSeconds: -60 })}` },
    ],
    [
      'a token that is not an access token',
      { authorization: `Bearer ${signTestToken({ typ: 'attendance_qr' })}` },
    ],
    [
      'a token whose user_id is not an integer',
      { authorization: `Bearer ${signTestToken({ user_id: '7' as unknown as number })}` },
    ],
  ])('answers 401 for %s, before looking at the body', async (_name, headers) => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/social/log',
      headers: { 'content-type': 'application/json', ...headers },
      payload: '{not json',
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      error: 'Missing, invalid or expired access token',
      code: 'UNAUTHORIZED',
    });
  });
});

describe('POST /api/social/log: methods and metrics', () => {
  it.each(['GET', 'PUT', 'DELETE', 'PATCH'] as const)(
    'answers %s with 405 and Allow: POST',
    async (method) => {
      const response = await app.inject({ method, url: '/api/social/log', headers: bearer(1) });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('POST');
      expect(response.json()).toEqual({ error: 'Method not allowed', code: 'METHOD_NOT_ALLOWED' });
    },
  );

  it("counts refusals in system_errors_total with the original's error types", async () => {
    const before = {
      body_parse: await systemErrors(app, 'body_parse'),
      missing_fields: await systemErrors(app, 'missing_fields'),
      invalid_field: await systemErrors(app, 'invalid_field'),
    };
    await post('{', { 'content-type': 'application/json' }); // parse error
    await post({ ...valid, social: 1 }); // schema error
    await post({ ...valid, timestamp: 'x' }); // bad timestamp
    await post('x', { 'content-type': 'text/plain' });
    await post({ ...valid, content: '' });
    await post({ ...valid, social: 'x'.repeat(51) });
    expect(await systemErrors(app, 'body_parse')).toBe(before.body_parse + 4);
    expect(await systemErrors(app, 'missing_fields')).toBe(before.missing_fields + 1);
    expect(await systemErrors(app, 'invalid_field')).toBe(before.invalid_field + 1);
  });
});

describe('POST /api/social/log: database failure', () => {
  it('answers the original\'s 500 "DB error" and counts db_error', async () => {
    const broken = await build();
    try {
      await broken.db.query('DROP TABLE social_logs');
      const before = await systemErrors(broken, 'db_error');
      const response = await postLog(broken, valid);
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual({ error: 'DB error', code: 'DB_ERROR' });
      expect(await systemErrors(broken, 'db_error')).toBe(before + 1);
    } finally {
      await broken.close();
    }
  });

  it('answers 503 when the database cannot be reached, and counts db_error', async () => {
    // Port 1 on the loopback interface: nothing listens, the connection is refused at once.
    const config = loadConfig(configSchema, {
      NODE_ENV: 'test',
      JWT_SECRET: TEST_JWT_SECRET,
      JWKS_URL: testJwksUrl(),
      DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/social_logs',
    });
    const offline = await buildApp(config, { logger: false });
    try {
      const before = await systemErrors(offline, 'db_error');
      const response = await postLog(offline, valid);
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      expect(await systemErrors(offline, 'db_error')).toBe(before + 1);
    } finally {
      await offline.close();
    }
  });
});
