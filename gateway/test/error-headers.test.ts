/**
 * CORS and the security headers are on every answer a browser can get, not only on routed
 * ones: preflights, and the 400s raised before any route runs, by the gateway (a malformed
 * URL, a NUL, a dot segment) and by each real service behind it (a malformed JSON body, a
 * content type it does not read).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { HELMET_OPTIONS, helmetHeaders } from '../src/plugins/security-headers.js';
import { accessToken, buildGateway } from './support/gateway.js';
import { listen, send, type Answer } from './support/http.js';
import { startServices, type Services } from './support/services.js';

const ORIGIN = 'https://attendance.example.com';
/** helmet's headers every gateway answer carries (the page policy goes on documents only). */
const SECURITY = Object.fromEntries(
  Object.entries(helmetHeaders(HELMET_OPTIONS)).filter(
    ([name]) => name !== 'content-security-policy',
  ),
);

let services: Services;
let gateway: ServiceApp;
let base: string;

beforeAll(async () => {
  services = await startServices();
  gateway = await buildGateway({ ...services.env, CORS_ORIGINS: ORIGIN });
  base = await listen(gateway);
}, 120_000);
afterAll(async () => {
  await gateway.close();
  await services.close();
});

function expectBrowserHeaders(answer: Answer, what: string) {
  expect(answer.headers['access-control-allow-origin'], what).toBe(ORIGIN);
  for (const [name, value] of Object.entries(SECURITY)) {
    expect(answer.headers[name], `${what}: ${name}`).toBe(value);
  }
}

describe('preflights', () => {
  it.each(['/auth/login', '/user/profile', '/api/social/log', '/api/dashboard/security'])(
    'OPTIONS %s: 204 with CORS and the security headers',
    async (path) => {
      const answer = await send(base, {
        method: 'OPTIONS',
        path,
        headers: {
          origin: ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        },
      });
      expect(answer.status).toBe(204);
      expect(answer.headers['access-control-allow-methods']).toContain('POST');
      expectBrowserHeaders(answer, `OPTIONS ${path}`);
    },
  );
});

describe("the gateway's own 400s before routing", () => {
  it.each([
    ['/auth/%zz', 'BAD_URL'],
    ['/user/profile%00', 'INVALID_TEXT'],
    ['/auth/../internal/revocations', undefined],
  ])('GET %s', async (path, code) => {
    const answer = await send(base, { path, headers: { origin: ORIGIN } });
    expect(answer.status).toBe(400);
    if (code) expect(answer.json()).toMatchObject({ code });
    expectBrowserHeaders(answer, path);
  });
});

describe("each service's 400s for a body it cannot read, through the gateway", () => {
  const token = () => accessToken({ user_id: 1, email: 'someone@example.com', role: 'user' });
  const routes = [
    { service: 'auth-service', method: 'POST', path: '/auth/login', auth: false },
    { service: 'user-service', method: 'POST', path: '/user/qr/scan', auth: true },
    { service: 'social-log-service', method: 'POST', path: '/api/social/log', auth: true },
  ];
  const bodies = [
    { what: 'malformed JSON', type: 'application/json', body: '{"email": "a@b.c",' },
    { what: 'a content type it does not read', type: 'text/plain', body: 'email=a@b.c' },
  ];
  for (const route of routes) {
    for (const body of bodies) {
      it(`${route.service} ${route.method} ${route.path}: ${body.what}`, async () => {
        const answer = await send(base, {
          method: route.method,
          path: route.path,
          headers: {
            origin: ORIGIN,
            'content-type': body.type,
            ...(route.auth ? { authorization: `Bearer ${token()}` } : {}),
          },
          body: body.body,
        });
        expect([400, 415], answer.text).toContain(answer.status);
        expect(Object.keys(answer.json()).sort()).toEqual(['code', 'error']);
        expectBrowserHeaders(answer, `${route.path} with ${body.what}`);
      });
    }
  }

  it('dashboard-api: a body on a GET-only route', async () => {
    const answer = await send(base, {
      method: 'POST',
      path: '/api/dashboard/security',
      headers: {
        origin: ORIGIN,
        'content-type': 'application/json',
        authorization: `Bearer ${accessToken({ role: 'admin' })}`,
      },
      body: '{"broken":',
    });
    expect([400, 404, 405, 415]).toContain(answer.status);
    expectBrowserHeaders(answer, 'dashboard-api');
  });
});
