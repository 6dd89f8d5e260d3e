/**
 * The public OpenAPI document at the gateway: assembled from the real services' documents,
 * under the gateway's paths and with its checks and answers, lint-clean under Spectral's
 * spectral:oas ruleset like each service's own, and never a 500 when a service is down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import type { OpenApiDocument } from '../src/openapi/types.js';
import { buildGateway } from './support/gateway.js';
import { operationsOf, publicDocument } from './support/public-document.js';
import { startServices, type Services } from './support/services.js';
import { lintOpenApi } from './support/spectral.js';

let services: Services;
let gateway: ServiceApp;
let document: OpenApiDocument;

beforeAll(async () => {
  services = await startServices();
  gateway = await buildGateway({ ...services.env, PUBLIC_URL: 'https://api.example.com' });
  document = await publicDocument(gateway);
}, 120_000);

afterAll(async () => {
  await gateway.close();
  await services.close();
});

describe('the public document', () => {
  it("lists the services' operations under the gateway's paths, and nothing internal", () => {
    const operations = operationsOf(document).map(({ method, path }) => `${method} ${path}`);
    expect(operations).toEqual(
      expect.arrayContaining([
        'GET /health',
        'POST /auth/login',
        'POST /login',
        'POST /auth/register',
        'GET /user/profile',
        'POST /user/qr/scan',
        'POST /user/qr/admin/generate',
        'GET /auth/admin/users',
        'GET /api/social/audit',
        'GET /api/dashboard/security',
      ]),
    );
    for (const operation of operations) {
      expect(operation).not.toMatch(
        /\/internal(\/|$)|\/metrics$|\/health\/ready$|\/docs|\/openapi/,
      );
    }
    // Every service's operations are there, the service paths not.
    expect(document.paths['/profile']).toBeUndefined();
    expect(document.paths['/qr/scan']).toBeUndefined();
    expect(document['x-services']).toMatchObject({
      'auth-service': { status: 'listed' },
      'user-service': { status: 'listed' },
      'social-log-service': { status: 'listed' },
      'dashboard-api': { status: 'listed' },
    });
    expect(document.servers).toEqual([
      { url: 'https://api.example.com', description: 'PUBLIC_URL' },
    ]);
  });

  it("carries the gateway's checks and answers on every operation", () => {
    const scan = document.paths['/user/qr/scan']?.post;
    expect(scan?.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(scan?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '400', '401', '404', '413', '429', '502', '503', '504']),
    );
    expect(scan?.responses?.['403']).toBeUndefined();
    const generate = document.paths['/user/qr/admin/generate']?.post;
    expect(generate?.['x-required-role']).toBe('admin');
    expect(generate?.responses?.['403']?.description).toMatch(/ADMIN_REQUIRED/);
    const login = document.paths['/auth/login']?.post;
    expect(login?.security).toBeUndefined();
    expect(login?.responses?.['401']).toBeDefined(); // auth-service's own: wrong password
    expect(Object.keys(login?.responses?.['429']?.headers ?? {})).toEqual([
      'Retry-After',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
    ]);
    for (const { method, path, operation } of operationsOf(document)) {
      if (path === '/health') continue;
      for (const status of ['404', '413', '429', '502', '503', '504']) {
        expect(operation.responses?.[status], `${method} ${path} ${status}`).toBeDefined();
      }
    }
    // Aliases keep apart: one operationId each.
    expect(document.paths['/login']?.post?.operationId).toBe('loginViaLogin');
    expect(login?.operationId).toBe('login');
  });

  it('is lint-clean under spectral:oas, as is each service’s own document', async () => {
    expect(await lintOpenApi(document)).toEqual([]);
    for (const app of [services.auth, services.user, services.socialLog, services.dashboard]) {
      expect(await lintOpenApi(app.swagger())).toEqual([]);
    }
  });

  it('is browsable at /docs, with the assets served by the gateway itself', async () => {
    const page = await gateway.inject({ url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const json = await gateway.inject({ url: '/docs/json' });
    expect(json.json<OpenApiDocument>().paths['/user/profile']).toBeDefined();
    const script = await gateway.inject({ url: '/docs/static/swagger-ui-bundle.js' });
    expect(script.statusCode).toBe(200);
    expect(page.body).not.toMatch(/https?:\/\/(?!localhost)[^"']*\.js/);
  });
});

describe('when a service is down', () => {
  it('serves what is known and names what is missing, never a 500', async () => {
    // A port nothing listens on, then the real user-service: one gateway, two states.
    const down = await buildGateway(
      { ...services.env, USER_SERVICE_URL: 'http://127.0.0.1:9' },
      { ready: false },
    );
    try {
      const answer = await down.inject({ url: '/openapi.json' });
      expect(answer.statusCode).toBe(200);
      const partial = answer.json<OpenApiDocument>();
      expect(partial['x-services']).toMatchObject({
        'user-service': { status: 'unavailable', error: 'could not be reached in time' },
        'auth-service': { status: 'listed' },
      });
      expect(partial.info.description).toMatch(/Incomplete: .*user-service/);
      expect(partial.paths['/user/profile']).toBeUndefined();
      expect(partial.paths['/auth/login']).toBeDefined();
      expect(await lintOpenApi(partial)).toEqual([]);
    } finally {
      await down.close();
    }
  });

  it('DOCS_ENABLED=false turns the document and the page off', async () => {
    const off = await buildGateway({ ...services.env, DOCS_ENABLED: 'false' });
    try {
      expect((await off.inject({ url: '/openapi.json' })).statusCode).toBe(404);
      expect((await off.inject({ url: '/docs/' })).statusCode).toBe(404);
    } finally {
      await off.close();
    }
  });
});
