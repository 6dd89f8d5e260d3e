/**
 * The public OpenAPI document at the gateway, against the real services (real PostgreSQL):
 * assembled from the services' documents under the gateway's paths, with its checks and
 * answers; lint-clean under Spectral's spectral:oas ruleset like each service's own; never a
 * 500 when a service is down. And it matches what the gateway does: every documented
 * operation is driven through the real gateway with a valid request and invalid ones (no
 * token, a user's token on an admin route, a broken body, unknown ids), and every answer is
 * checked against the document by openapi-backend's response validator (ajv over the
 * documented schema for that status): the status must be documented, the body and headers
 * must match it. The gateway's own answers (413, 429, 502) too. One stack serves both halves.
 */
import { randomUUID } from 'node:crypto';
import addFormatsModule from 'ajv-formats';
import OpenAPIBackend from 'openapi-backend';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import type { OpenApiDocument, Operation } from '../src/openapi/types.js';
import { bearer, buildGateway } from './support/gateway.js';
import { listen, send, type Answer } from './support/http.js';
import { operationsOf, publicDocument } from './support/public-document.js';
import { startServices, type Services } from './support/services.js';
import { lintOpenApi } from './support/spectral.js';

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as <T>(ajv: T) => T;

const PASSWORD = 'conformance password 123';

interface Session {
  token: string;
  refresh_token: string;
  user: { id: number; email: string };
}

/** What one operation's requests use: fresh accounts, an event and a local user. */
interface Context {
  admin: Session;
  user: Session;
  victim: Session;
  eventId: string;
  qr: Record<string, unknown>;
  localUserId: number;
}

interface Request {
  params?: Record<string, string | number>;
  query?: Record<string, string>;
  body?: unknown;
  who: 'admin' | 'user' | 'none';
}

let services: Services;
let gateway: ServiceApp;
let base: string;
let document: OpenApiDocument;
let api: OpenAPIBackend;
let counter = 0;

function call(method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  return send(base, {
    method,
    path,
    headers: {
      ...(token ? bearer(token) : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

async function ok<T>(answer: Promise<Answer>, status: number, what: string): Promise<T> {
  const got = await answer;
  if (got.status !== status) throw new Error(`${what}: ${String(got.status)} ${got.text}`);
  return got.json<T>();
}

async function register(): Promise<string> {
  counter += 1;
  const email = `conformance-${String(counter)}-${randomUUID().slice(0, 8)}@example.com`;
  const body = { email, name: 'Con', surname: 'Formance', password: PASSWORD };
  await ok(call('POST', '/auth/register', undefined, body), 201, 'register');
  return email;
}

const login = (email: string) =>
  ok<Session>(call('POST', '/auth/login', undefined, { email, password: PASSWORD }), 200, 'login');

async function newContext(): Promise<Context> {
  counter += 1;
  const adminEmail = `conformance-admin-${String(counter)}@example.com`;
  await services.createAdmin(adminEmail, PASSWORD);
  const [admin, user, victim] = await Promise.all([
    login(adminEmail),
    register().then(login),
    register().then(login),
  ]);
  const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format();
  const event = await ok<{ event_id: string; qr_content: string }>(
    call('POST', '/user/qr/admin/generate', admin.token, {
      event_name: `Lecture ${randomUUID()}`,
      date,
    }),
    201,
    'event',
  );
  const local = await ok<{ user_id: number }>(
    call('POST', '/user/users', admin.token, { name: 'Local', last_name: 'User', status: 'x' }),
    201,
    'local user',
  );
  return {
    admin,
    user,
    victim,
    eventId: event.event_id,
    qr: JSON.parse(event.qr_content) as Record<string, unknown>,
    localUserId: local.user_id,
  };
}

/** The session id of an access token. */
function sessionId(session: Session): string {
  const payload = Buffer.from(session.token.split('.')[1] ?? '', 'base64url').toString();
  return (JSON.parse(payload) as { sid: string }).sid;
}

/** Starts an authenticator for the session's account: a code of it, now. */
async function startTotp(session: Session): Promise<() => string> {
  const started = await ok<{ secret: string }>(
    call('POST', '/auth/mfa/totp', session.token, {}),
    200,
    'start TOTP',
  );
  const totp = new TOTP({ secret: Secret.fromBase32(started.secret) });
  return () => totp.generate();
}

/** Turns an authenticator on for the session's account: its recovery codes. */
async function enableTotp(session: Session): Promise<string[]> {
  const code = await startTotp(session);
  const enabled = await ok<{ recovery_codes: string[] }>(
    call('POST', '/auth/mfa/totp/confirm', session.token, { code: code() }),
    200,
    'confirm TOTP',
  );
  return enabled.recovery_codes;
}

/** A request each operation should accept, by the service's operationId (aliases share it). */
const VALID: Record<string, (context: Context) => Request | Promise<Request>> = {
  getHealth: () => ({ who: 'none' }),
  getJwks: () => ({ who: 'none' }),
  register: () => ({
    who: 'none',
    body: { email: `new-${randomUUID()}@example.com`, name: 'A', surname: 'B', password: PASSWORD },
  }),
  login: ({ user }) => ({ who: 'none', body: { email: user.user.email, password: PASSWORD } }),
  refreshSession: ({ user }) => ({ who: 'none', body: { refresh_token: user.refresh_token } }),
  logout: () => ({ who: 'user' }),
  listMySessions: () => ({ who: 'user' }),
  endMySession: ({ user }) => ({ who: 'user', params: { id: sessionId(user) } }),
  endAccountSessions: ({ victim }) => ({ who: 'admin', params: { id: victim.user.id } }),
  getMfaStatus: () => ({ who: 'user' }),
  startTotpEnrolment: () => ({ who: 'user', body: {} }),
  confirmTotpEnrolment: async ({ user }) => {
    const code = await startTotp(user);
    return { who: 'user', body: { code: code() } };
  },
  disableTotp: async ({ user }) => {
    const [code] = await enableTotp(user);
    return { who: 'user', body: { code } };
  },
  loginMfa: async ({ victim }) => {
    const [code] = await enableTotp(victim);
    const challenge = await ok<{ mfa_token: string }>(
      call('POST', '/auth/login', undefined, { email: victim.user.email, password: PASSWORD }),
      401,
      'login with TOTP',
    );
    return { who: 'none', body: { mfa_token: challenge.mfa_token, code } };
  },
  getTokenHolder: () => ({ who: 'user' }),
  getMyAccount: () => ({ who: 'user' }),
  changePassword: () => ({
    who: 'user',
    body: { current_password: PASSWORD, new_password: `${PASSWORD} new` },
  }),
  listAccounts: () => ({ who: 'admin', query: { page: '1', limit: '5' } }),
  setAccountRole: ({ victim }) => ({
    who: 'admin',
    params: { id: victim.user.id },
    body: { role: 'admin' },
  }),
  deleteAccount: ({ victim }) => ({ who: 'admin', params: { id: victim.user.id } }),
  listAccountConflicts: () => ({ who: 'admin' }),
  listAuthLogs: () => ({ who: 'admin' }),
  getProfile: () => ({ who: 'user' }),
  listUsers: () => ({ who: 'admin' }),
  createUser: () => ({ who: 'admin', body: { name: 'N', last_name: 'L', status: 'active' } }),
  getUser: ({ localUserId }) => ({ who: 'admin', params: { id: localUserId } }),
  updateUser: ({ localUserId }) => ({
    who: 'admin',
    params: { id: localUserId },
    body: { name: 'M', last_name: 'L' },
  }),
  deleteUser: ({ localUserId }) => ({ who: 'admin', params: { id: localUserId } }),
  scanQr: ({ qr }) => ({ who: 'user', body: { qr_content: qr } }),
  getAttendanceHistory: () => ({ who: 'user' }),
  getTodayAttendance: () => ({ who: 'user' }),
  generateEvent: () => ({
    who: 'admin',
    body: {
      event_name: `Conformance ${randomUUID()}`,
      date: new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(),
    },
  }),
  listEvents: () => ({ who: 'admin' }),
  getEventQr: ({ eventId }) => ({ who: 'admin', params: { event_id: eventId } }),
  updateEvent: ({ eventId }) => ({
    who: 'admin',
    params: { event_id: eventId },
    body: { is_active: false },
  }),
  deleteEvent: ({ eventId }) => ({ who: 'admin', params: { event_id: eventId } }),
  listEventAttendance: ({ eventId }) => ({ who: 'admin', params: { event_id: eventId } }),
  listEventAttendanceByAlias: ({ eventId }) => ({ who: 'admin', params: { event_id: eventId } }),
  exportEventAttendance: ({ eventId }) => ({ who: 'admin', params: { event_id: eventId } }),
  streamEventAttendance: ({ eventId }) => ({ who: 'admin', params: { event_id: eventId } }),
  setAttendanceStatus: ({ eventId, localUserId }) => ({
    who: 'admin',
    params: { event_id: eventId, user_id: localUserId },
    body: { status: 'family', motivazione: 'a wedding' },
  }),
  getPersonAttendance: ({ admin }) => ({
    who: 'admin',
    params: { user_id: admin.user.id },
    query: { from: '2030-01-01', to: '2030-12-31' },
  }),
  getRegister: () => ({ who: 'admin', query: { from: '2030-01-01', to: '2030-12-31' } }),
  exportRegister: () => ({
    who: 'admin',
    query: { from: '2030-01-01', to: '2030-12-31', delimiter: 'semicolon' },
  }),
  recordSocialEvent: () => ({
    who: 'user',
    body: {
      social: 'instagram',
      content: 'hello',
      status: 'posted',
      timestamp: new Date().toISOString(),
    },
  }),
  listSocialEvents: () => ({ who: 'user' }),
  listAuditEvents: () => ({ who: 'admin' }),
  verifyAuditChain: () => ({ who: 'admin' }),
  getSecurityDashboard: () => ({ who: 'admin' }),
  getVmHealth: () => ({ who: 'admin' }),
  getInsights: () => ({ who: 'admin' }),
};

/**
 * Operations whose valid request uses its context up (a refresh token works once, a QR is
 * scanned once) or changes it for the others (a sign-out, a deletion): each gets a new one.
 */
const USES_UP = new Set([
  'refreshSession',
  'logout',
  'endMySession',
  'endAccountSessions',
  'confirmTotpEnrolment',
  'disableTotp',
  'loginMfa',
  'changePassword',
  'setAccountRole',
  'deleteAccount',
  'deleteUser',
  'deleteEvent',
  'updateEvent',
  'scanQr',
]);

/** The service's operationId of a public operation (an alias adds "Via<prefix>"). */
const baseId = (operation: Operation) => (operation.operationId ?? '').replace(/Via[A-Z]\w*$/, '');

function url(template: string, request: Request): string {
  const path = template.replace(/\{(\w+)\}/g, (_all, name: string) =>
    encodeURIComponent(String(request.params?.[name] ?? 'missing')),
  );
  const query = new URLSearchParams(request.query ?? {}).toString();
  return query ? `${path}?${query}` : path;
}

function tokenOf(context: Context, who: Request['who']): string | undefined {
  return who === 'none' ? undefined : context[who].token;
}

/** The answer conforms to the document: a documented status, and a body and headers that match. */
function expectConforms(operation: Operation, answer: Answer, what: string): void {
  const status = String(answer.status);
  const documented = operation.responses?.[status];
  expect(
    documented,
    `${what}: ${status} is not documented (${answer.text.slice(0, 200)})`,
  ).toBeDefined();
  const json = /json/.test(String(answer.headers['content-type']));
  const body: unknown = json ? JSON.parse(answer.text) : answer.text;
  const id = operation.operationId ?? '';
  const result = api.validator.validateResponse(body, id, answer.status);
  expect(result.errors ?? [], `${what}: body of ${status} ${answer.text.slice(0, 300)}`).toEqual(
    [],
  );
  const headers = api.validator.validateResponseHeaders(answer.headers, id, {
    statusCode: answer.status,
    setMatchType: 'superset' as never,
  });
  expect(headers.errors ?? [], `${what}: headers of ${status}`).toEqual([]);
}

beforeAll(async () => {
  services = await startServices();
  gateway = await buildGateway({ ...services.env, PUBLIC_URL: 'https://api.example.com' });
  base = await listen(gateway);
  document = await publicDocument(gateway);
  // quick: openapi-backend checks a definition against OpenAPI 3.0's schema, which refuses 3.1's
  // JSON Schema (type lists, `examples`); Spectral's oas ruleset checks the document instead
  // (openapi.test.ts). Its response validator is ajv over each documented schema.
  api = new OpenAPIBackend({
    definition: structuredClone(document) as never,
    quick: true,
    // Formats (date-time, uuid, email) checked too, not skipped with a warning.
    customizeAjv: (ajv) => {
      addFormats(ajv);
      return ajv;
    },
  });
  await api.init();
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
    // Its 403 is user-service's (NETWORK_NOT_ALLOWED), never the gateway's ADMIN_REQUIRED.
    expect(scan?.responses?.['403']?.description ?? '').not.toMatch(/ADMIN_REQUIRED/);
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

describe('every documented operation, through the real gateway', () => {
  it('has a valid request in this test (a new operation must be added here)', () => {
    const missing = operationsOf(document)
      .filter(({ operation }) => !(baseId(operation) in VALID))
      .map(({ method, path }) => `${method} ${path}`);
    expect(missing).toEqual([]);
  });

  it('answers valid and invalid requests as documented', { timeout: 240_000 }, async () => {
    const statuses: string[] = [];
    const shared = await newContext();
    for (const { method, path, operation } of operationsOf(document)) {
      const make = VALID[baseId(operation)];
      if (!make) continue;
      const context = USES_UP.has(baseId(operation)) ? await newContext() : shared;
      const request = await make(context);
      const label = `${method} ${path}`;
      const target = url(path, request);
      const sendAs = (token: string | undefined, body = request.body) =>
        call(method, target, token, body);

      const valid = await sendAs(tokenOf(context, request.who));
      expect(valid.status, `${label}: ${valid.text.slice(0, 300)}`).toBeLessThan(300);
      expectConforms(operation, valid, `${label} valid`);
      statuses.push(`${label} ${String(valid.status)}`);

      const needsToken = (operation.security ?? []).length > 0;
      if (needsToken) {
        const anonymous = await sendAs(undefined);
        // A token the gateway checks is a 401 there; one only the service checks is its answer
        // (auth-service's /logout keeps the original's 400).
        if (operation['x-gateway-access'] === 'public') {
          expect(anonymous.status, label).toBeGreaterThanOrEqual(400);
        } else {
          expect(anonymous.status, label).toBe(401);
        }
        expectConforms(operation, anonymous, `${label} without a token`);
      }
      if (operation['x-required-role'] === 'admin') {
        const notAdmin = await sendAs(context.user.token);
        expect(notAdmin.status, label).toBe(403);
        expectConforms(operation, notAdmin, `${label} as a user`);
      }
      if (operation.requestBody) {
        const broken = await sendAs(tokenOf(context, request.who), '{"broken": ');
        expect(broken.status, label).toBe(400);
        expectConforms(operation, broken, `${label} with a broken body`);
      }
      if (request.params) {
        const unknown = Object.fromEntries(
          Object.keys(request.params).map((name) => [
            name,
            name === 'event_id' ? 'no-such-event' : '999999999',
          ]),
        );
        const answer = await call(
          method,
          url(path, { ...request, params: unknown }),
          tokenOf(context, request.who),
          request.body,
        );
        expect(answer.status, `${label} unknown ids`).toBeGreaterThanOrEqual(400);
        expectConforms(operation, answer, `${label} with unknown ids`);
      }
    }
    expect(statuses.length).toBe(operationsOf(document).length);
  });
});

describe("the gateway's own answers", () => {
  const operation = (path: string, method: string): Operation => {
    const found = document.paths[path]?.[method];
    if (!found) throw new Error(`${method} ${path} is not documented`);
    return found;
  };

  it('a body over 1 MiB is a documented 413', async () => {
    const answer = await call(
      'POST',
      '/auth/login',
      undefined,
      JSON.stringify({ x: 'y'.repeat(1_100_000) }),
    );
    expect(answer.status).toBe(413);
    expectConforms(operation('/auth/login', 'post'), answer, 'POST /auth/login too large');
  });

  it('a refused login is a documented 429 with Retry-After and RateLimit-*', async () => {
    const limited = await buildGateway({ ...services.env, RATE_LIMIT_LOGIN_MAX: '1' });
    try {
      const limitedBase = await listen(limited);
      const attempt = () =>
        send(limitedBase, {
          method: 'POST',
          path: '/login',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong password' }),
        });
      await attempt();
      const refused = await attempt();
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBeDefined();
      expectConforms(operation('/login', 'post'), refused, 'POST /login over the limit');
    } finally {
      await limited.close();
    }
  });

  it('an unreachable service is a documented 502', async () => {
    const broken = await buildGateway(
      { ...services.env, USER_SERVICE_URL: 'http://127.0.0.1:9' },
      { ready: true },
    );
    try {
      const brokenBase = await listen(broken);
      const context = await newContext();
      const answer = await send(brokenBase, {
        path: '/user/profile',
        headers: bearer(context.user.token),
      });
      expect(answer.status).toBe(502);
      expectConforms(operation('/user/profile', 'get'), answer, 'GET /user/profile upstream down');
    } finally {
      await broken.close();
    }
  });
});
