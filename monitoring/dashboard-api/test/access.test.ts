import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { signTestToken } from '@cloud-backend/shared/testing';
import { admin, build, ROUTES, user } from './helper.js';

const UNAUTHORIZED = { error: 'Missing, invalid or expired access token', code: 'UNAUTHORIZED' };

describe('access', () => {
  let app: ServiceApp;
  beforeAll(async () => {
    app = await build();
  });
  afterAll(() => app.close());

  describe.each(ROUTES)('%s', (url) => {
    it('refuses a request without a token (401)', async () => {
      const response = await app.inject({ url });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual(UNAUTHORIZED);
    });

    it.each([
      ['a bad signature', signTestToken({ role: 'admin' }, { secret: 'x'.repeat(40) })],
      ['an expired token', signTestToken({ role: 'admin' }, { expiresInSeconds: -60 })],
      ['a QR token', signTestToken({ role: 'admin', typ: 'attendance_qr' })],
    ])('refuses %s (401)', async (_, token) => {
      const response = await app.inject({ url, headers: { authorization: `Bearer ${token}` } });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
    });

    it('refuses a user who is not an admin (403)', async () => {
      const response = await app.inject({ url, headers: user });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({ error: 'Admin role required', code: 'ADMIN_REQUIRED' });
    });

    it('answers an admin (200) in the envelope', async () => {
      const response = await app.inject({ url, headers: admin });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        status: 'success',
        metadata: { version: '1.0', data_source: 'prometheus+database' },
      });
    });

    it('ignores a query parameter it does not know (a cache buster, say)', async () => {
      const response = await app.inject({ url: `${url}?_=1700000000`, headers: admin });
      expect(response.statusCode).toBe(200);
    });

    it('answers another method with 405 JSON', async () => {
      const response = await app.inject({ method: 'POST', url, headers: admin });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD');
    });
  });

  it.each([
    ['/api/dashboard/vm-health?window=2m', 'querystring.window'],
    ['/api/dashboard/insights?limit=0', 'querystring.limit'],
    ['/api/dashboard/insights?limit=51', 'querystring.limit'],
    ['/api/dashboard/insights?limit=ten', 'querystring.limit'],
    ['/api/dashboard/insights?days=0', 'querystring.days'],
    ['/api/dashboard/insights?days=367', 'querystring.days'],
    ['/api/dashboard/insights?timezone=%2B02:00', 'querystring.timezone'],
    ['/api/dashboard/insights?timezone=Mars/Olympus_Mons', 'querystring.timezone'],
    ["/api/dashboard/insights?timezone=UTC'%3B--", 'querystring.timezone'],
  ])('answers %s with 400 naming %s', async (url, field) => {
    const response = await app.inject({ url, headers: admin });
    expect(response.statusCode).toBe(400);
    const body = response.json<{ code: string; details: { field: string }[] }>();
    expect(body).toMatchObject({ error: 'Invalid request', code: 'VALIDATION_ERROR' });
    expect(body.details.map((d) => d.field)).toContain(field);
  });

  it('checks the token before the query string', async () => {
    const response = await app.inject({ url: '/api/dashboard/insights?limit=0' });
    expect(response.statusCode).toBe(401);
  });

  it('accepts every documented value', async () => {
    for (const url of [
      '/api/dashboard/vm-health?window=1m',
      '/api/dashboard/vm-health?window=1h',
      '/api/dashboard/insights?limit=50&days=366&timezone=Europe/Rome',
      '/api/dashboard/insights?timezone=America/Argentina/Buenos_Aires',
    ]) {
      expect((await app.inject({ url, headers: admin })).statusCode).toBe(200);
    }
  });
});

interface Operation {
  tags?: string[];
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
interface Document {
  info: { title: string; description: string };
  paths: Record<string, Record<string, Operation>>;
}

describe('OpenAPI document', () => {
  let app: ServiceApp;
  let document: Document;
  beforeAll(async () => {
    app = await build();
    await app.ready();
    document = app.swagger() as unknown as Document;
  });
  afterAll(() => app.close());

  it.each([
    ['/api/dashboard/security', ['200', '401', '403', '500'], []],
    ['/api/dashboard/vm-health', ['200', '400', '401', '403', '500'], ['window']],
    ['/api/dashboard/insights', ['200', '400', '401', '403', '500'], ['days', 'limit', 'timezone']],
  ])('documents %s', (path, statuses, parameters) => {
    const operation = document.paths[path]?.get;
    expect(operation?.summary).toBeTruthy();
    expect(operation?.tags).toEqual(['dashboard']);
    expect(operation?.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(operation?.responses ?? {}).sort()).toEqual(statuses);
    expect((operation?.parameters ?? []).map((p) => p.name).sort()).toEqual(parameters);
  });

  it('declares nullable numbers and the source report', () => {
    const text = JSON.stringify(document.paths['/api/dashboard/vm-health']?.get?.responses['200']);
    expect(text).toContain('"cpu_usage_percent":{"anyOf":[{"type":"number"},{"type":"null"}]');
    expect(text).toContain('"null_fields"');
    expect(text).toContain('"not_configured"');
  });

  it('serves the /docs page in development only', async () => {
    expect((await app.inject({ url: '/docs/json' })).statusCode).toBe(404);
    const dev = await build({ NODE_ENV: 'development' });
    try {
      const response = await dev.inject({ url: '/docs/json' });
      expect(response.statusCode).toBe(200);
      expect(Object.keys(response.json<Document>().paths)).toEqual(
        expect.arrayContaining(ROUTES as unknown as string[]),
      );
    } finally {
      await dev.close();
    }
  });
});
