import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  build,
  INTERNAL_TOKEN,
  signedIn,
  signedInAdmin,
  type App,
  type Session,
} from './helper.js';

let app: App;
let user: Session;
let admin: Session;
beforeAll(async () => {
  app = await build();
  user = await signedIn(app);
  admin = await signedInAdmin(app);
});
afterAll(() => app.close());

const HOSTILE_STRINGS = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  'Robert"); DELETE FROM auth_logs; --',
  '\u0000',
  'nul\u0000inside',
  '😀🎉 ünïcödé 漢字 \u202e',
  '\ud800', // a lone surrogate
  'x'.repeat(5000),
  '%00%27',
  '{"$gt": ""}',
];

const WRONG_TYPES: unknown[] = [null, 123, true, [], {}, ['a'], 1.5];

interface Route {
  method: 'POST' | 'PUT' | 'GET' | 'DELETE';
  url: string;
  fields: string[];
  auth?: () => Session;
}

const ROUTES: Route[] = [
  {
    method: 'POST',
    url: '/register',
    fields: ['email', 'username', 'name', 'surname', 'password'],
  },
  { method: 'POST', url: '/login', fields: ['email', 'username', 'password'] },
  { method: 'POST', url: '/refresh', fields: ['refresh_token'] },
  {
    method: 'PUT',
    url: '/me/password',
    fields: ['current_password', 'new_password'],
    auth: () => user,
  },
  { method: 'PUT', url: '/admin/users/1/role', fields: ['role'], auth: () => admin },
];

function expectClientError(
  response: { statusCode: number; body: string; headers: Record<string, unknown> },
  label: string,
) {
  expect(response.statusCode, `${label}: ${response.body}`).toBeGreaterThanOrEqual(400);
  expect(response.statusCode, `${label}: ${response.body}`).toBeLessThan(500);
  expect(String(response.headers['content-type'])).toMatch(/application\/json/);
  const body = JSON.parse(response.body) as { error?: unknown; code?: unknown };
  expect(typeof body.error, label).toBe('string');
  expect(typeof body.code, label).toBe('string');
  expect(response.body).not.toMatch(/at \w+ \(|node_modules|SELECT|INSERT|pg_|relation/);
}

describe.each(ROUTES)('$method $url never answers a client mistake with a 5xx', (route) => {
  const headers = () => ({
    'content-type': 'application/json',
    ...(route.auth ? bearer(route.auth()) : {}),
  });

  it('malformed JSON, empty body, a top-level scalar or array, another content type', async () => {
    for (const payload of ['{', '{"email": }', '', 'null', '42', '"text"', '[1,2]', '{"a":1}{']) {
      const response = await app.inject({
        method: route.method,
        url: route.url,
        headers: headers(),
        payload,
      });
      expectClientError(response, JSON.stringify(payload));
    }
    const form = await app.inject({
      method: route.method,
      url: route.url,
      headers: { ...headers(), 'content-type': 'text/plain' },
      payload: 'email=a',
    });
    expectClientError(form, 'text/plain');
  });

  it('wrong types in every field', async () => {
    for (const field of route.fields) {
      for (const value of WRONG_TYPES) {
        const response = await app.inject({
          method: route.method,
          url: route.url,
          headers: headers(),
          payload: JSON.stringify({ [field]: value }),
        });
        expectClientError(response, `${field}=${JSON.stringify(value)}`);
      }
    }
  });

  it('hostile strings in every field', async () => {
    for (const field of route.fields) {
      for (const value of HOSTILE_STRINGS) {
        const payload = Object.fromEntries(
          route.fields.map((f) => [f, f === field ? value : 'valid value 1']),
        );
        const response = await app.inject({
          method: route.method,
          url: route.url,
          headers: headers(),
          payload: JSON.stringify(payload),
        });
        expectClientError(response, `${field}=${JSON.stringify(value).slice(0, 40)}`);
      }
    }
  });
});

describe('hostile path and query values', () => {
  it('ids and query strings', async () => {
    const requests: { method: 'GET' | 'PUT' | 'DELETE'; url: string; payload?: object }[] = [];
    for (const value of HOSTILE_STRINGS) {
      const v = encodeURIComponent(value.slice(0, 300).replace(/\p{Cs}/gu, '?'));
      requests.push({ method: 'DELETE', url: `/admin/users/${v}` });
      requests.push({ method: 'PUT', url: `/admin/users/${v}/role`, payload: { role: 'user' } });
      requests.push({ method: 'GET', url: `/admin/users?q=${v}&role=${v}` });
      requests.push({ method: 'GET', url: `/admin/auth-logs?email=${v}&user_id=${v}&from=${v}` });
    }
    for (const request of requests) {
      const response = await app.inject({ ...request, headers: bearer(admin) });
      // Searching for a hostile string is a valid search that finds nothing.
      if (response.statusCode === 200) continue;
      expectClientError(response, request.url.slice(0, 80));
    }
    const { rows } = await app.db.query<{ count: string }>('SELECT count(*) FROM users');
    expect(Number(rows[0]?.count)).toBeGreaterThanOrEqual(2);
  });

  it('hostile tokens and service credentials', async () => {
    for (const value of [
      'Bearer',
      'Bearer ',
      'Basic abc',
      `Bearer ${'a'.repeat(8000)}`,
      'Bearer a.b.c',
      'Bearer \u00ff',
    ]) {
      for (const url of ['/me', '/admin/users', '/internal/revocations']) {
        const response = await app.inject({
          method: 'GET',
          url,
          headers: { authorization: value },
        });
        expectClientError(response, `${url} ${value.slice(0, 20)}`);
      }
    }
    const wrongService = await app.inject({
      method: 'GET',
      url: '/internal/revocations',
      headers: { authorization: `Bearer ${INTERNAL_TOKEN}x` },
    });
    expect(wrongService.statusCode).toBe(401);
  });

  it('a body over 1 MiB is a 413 JSON', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/register',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json<{ code: string }>().code).toBe('PAYLOAD_TOO_LARGE');
  });
});
