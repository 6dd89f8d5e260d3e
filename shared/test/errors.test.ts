import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, type ServiceApp } from '../src/index.js';
import { logCapture, testApp } from './helpers.js';

const logs = logCapture();
let app: ServiceApp;

beforeAll(async () => {
  app = await testApp({ logger: { level: 'error', format: 'json', stream: logs.stream } });
  app.post(
    '/items',
    {
      schema: { body: Type.Object({ name: Type.String({ minLength: 1 }), count: Type.Integer() }) },
    },
    async (request) => request.body,
  );
  app.post(
    '/legacy',
    {
      config: { invalidPayload: { error: 'Payload non valido', code: 'INVALID_PAYLOAD' } },
      schema: { body: Type.Object({ email: Type.String() }) },
    },
    async () => ({ ok: true }),
  );
  app.get('/conflict', async () => {
    throw new HttpError(409, 'EMAIL_TAKEN', 'Email già registrata', undefined, { 'x-extra': '1' });
  });
  app.get('/boom', async () => {
    throw new Error('relation "secret_table" does not exist at /srv/app/db.ts:42');
  });
  app.get('/db-down', async () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  });
  await app.ready();
});
afterAll(() => app.close());

describe('error model', () => {
  it('answers a malformed URL or a NUL in it with a JSON 400', async () => {
    const malformed = await app.inject({ method: 'GET', url: '/items/%E0%A4%A' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toEqual({ error: 'Malformed request URL', code: 'BAD_URL' });
    for (const url of ['/conflict?q=a%00b', '/items/%00', '/x%00']) {
      const nul = await app.inject({ method: 'GET', url });
      expect(nul.statusCode, url).toBe(400);
      expect(nul.json<{ code: string }>().code).toBe('INVALID_TEXT');
    }
  });

  it('answers an unknown path with the JSON 404', async () => {
    const response = await app.inject({ url: '/nowhere' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'Not found', code: 'NOT_FOUND' });
  });

  it('answers a known path with another method with 405 and Allow', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/items' });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('POST');
    expect(response.json()).toEqual({ error: 'Method not allowed', code: 'METHOD_NOT_ALLOWED' });
    const health = await app.inject({ method: 'POST', url: '/health' });
    expect(health.statusCode).toBe(405);
    expect(health.headers.allow).toBe('GET, HEAD');
  });

  it('tolerates a trailing slash but keeps paths case-sensitive', async () => {
    expect((await app.inject({ url: '/health/' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/HEALTH' })).statusCode).toBe(404);
  });

  it('maps schema violations to 400 with the fields at fault', async () => {
    const response = await app.inject({ method: 'POST', url: '/items', payload: { count: 'x' } });
    expect(response.statusCode).toBe(400);
    const body = response.json<{ error: string; code: string; details: { field: string }[] }>();
    expect(body.code).toBe('VALIDATION_ERROR');
    expect(body.error).toBe('Invalid request');
    expect(body.details.map((d) => d.field)).toContain('body.name');
  });

  it('never coerces body types (a number is not a string)', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/items',
      payload: { name: 123, count: 1 },
    });
    expect(response.statusCode).toBe(400);
  });

  it('answers malformed JSON, wrong content types and oversized bodies in JSON', async () => {
    const badJson = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toEqual({
      error: 'Request body is not valid JSON',
      code: 'INVALID_JSON',
    });

    const text = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'text/csv' },
      payload: 'a,b',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });

    const big = await app.inject({
      method: 'POST',
      url: '/items',
      payload: { name: 'x'.repeat(1024 * 1024 + 1), count: 1 },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ error: 'Request body is too large', code: 'PAYLOAD_TOO_LARGE' });
  });

  it("uses a route's own invalid-payload body where its contract has one", async () => {
    for (const payload of ['not json', JSON.stringify({ email: 5 })]) {
      const response = await app.inject({
        method: 'POST',
        url: '/legacy',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ error: 'Payload non valido', code: 'INVALID_PAYLOAD' });
    }
  });

  it('passes an HttpError through with its status, code, message and headers', async () => {
    const response = await app.inject({ url: '/conflict' });
    expect(response.statusCode).toBe(409);
    expect(response.headers['x-extra']).toBe('1');
    expect(response.json()).toEqual({ error: 'Email già registrata', code: 'EMAIL_TAKEN' });
  });

  it('hides internals of unexpected errors from the client but logs them', async () => {
    const response = await app.inject({ url: '/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: 'Internal server error', code: 'INTERNAL_ERROR' });
    expect(response.body).not.toContain('secret_table');
    expect(logs.text()).toContain('secret_table');
  });

  it('answers 503 when the database cannot be reached', async () => {
    const response = await app.inject({ url: '/db-down' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toEqual({
      error: 'Service temporarily unavailable',
      code: 'DATABASE_UNAVAILABLE',
    });
  });
});
