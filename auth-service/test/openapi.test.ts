import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type App } from './helper.js';

let app: App;
beforeAll(async () => {
  app = await build();
  await app.ready();
});
afterAll(() => app.close());

describe('OpenAPI document and routing', () => {
  it('describes every route with its request and response schemas', () => {
    const doc = app.swagger() as unknown as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>
      >;
    };
    expect(doc.openapi).toMatch(/^3\./);
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const operation of [
      'POST /register',
      'POST /login',
      'POST /refresh',
      'POST /logout',
      'GET /me',
      'PUT /me/password',
      'GET /protected/profile',
      'GET /admin/users',
      'PUT /admin/users/{id}/role',
      'DELETE /admin/users/{id}',
      'GET /admin/users/conflicts',
      'GET /admin/auth-logs',
      'GET /internal/revocations',
    ]) {
      expect(operations).toContain(operation);
    }
    expect(doc.paths['/login']?.post?.responses).toHaveProperty('429');
    expect(doc.paths['/register']?.post?.requestBody).toBeDefined();
    expect(JSON.stringify(doc)).not.toContain('~kind');
  });

  it('/docs (the browsable page) is served only in development', async () => {
    expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBe(404);
    const dev = await build({ NODE_ENV: 'development', LOG_LEVEL: 'silent' });
    const page = await dev.inject({ method: 'GET', url: '/docs/json' });
    expect(page.statusCode).toBe(200);
    expect(page.json<{ info: { title: string } }>().info.title).toBe('auth-service');
    await dev.close();
  });

  it('404 and 405 are JSON (the original answered text)', async () => {
    const missing = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'Not found', code: 'NOT_FOUND' });
    const wrongMethod = await app.inject({ method: 'GET', url: '/login' });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    expect(wrongMethod.json<{ code: string }>().code).toBe('METHOD_NOT_ALLOWED');
  });

  it('a trailing slash is tolerated', async () => {
    const response = await app.inject({ method: 'POST', url: '/login/', payload: {} });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ code: string }>().code).toBe('MISSING_IDENTIFIER');
  });
});
