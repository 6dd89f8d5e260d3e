import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadConfig,
  ORIGINAL_METRIC_NAMES,
  type ServiceApp,
} from '@cloud-backend/shared';
import { TEST_JWT_SECRET, testJwksUrl } from '@cloud-backend/shared/testing';
import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { echoUpstream, type EchoUpstream } from './support/echo-upstream.js';
import { INTERNAL_TOKEN, asAdmin, asUser, buildGateway, upstreamEnv } from './support/gateway.js';
import { listen, send } from './support/http.js';

const HELMET = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'x-dns-prefetch-control': 'off',
};

let upstream: EchoUpstream;
let gateway: ServiceApp;
let base: string;
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

beforeAll(async () => {
  upstream = await echoUpstream();
  gateway = await buildGateway(upstreamEnv(upstream.url), { logStream });
  base = await listen(gateway);
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('gateway platform', () => {
  it('answers GET /health with each upstream, 200 even when one is down', async () => {
    const response = await gateway.inject({ url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      service: 'gateway',
      status: 'healthy',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as unknown,
      version: '1.0.0',
      upstreams: {
        'auth-service': 'up',
        'user-service': 'up',
        'social-log-service': 'up',
        'dashboard-api': 'up',
      },
      degraded: [],
    });

    const down = await echoUpstream();
    const { url } = down;
    await down.close();
    const app = await buildGateway({ ...upstreamEnv(upstream.url), DASHBOARD_API_URL: url });
    try {
      const health = await app.inject({ url: '/health' });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toMatchObject({
        upstreams: { 'dashboard-api': 'down', 'auth-service': 'up' },
      });
      // The gateway itself can serve: readiness is about its own state, not its upstreams'.
      expect((await app.inject({ url: '/health/ready' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('answers GET /health/ready once the revocation feed is loaded', async () => {
    const response = await gateway.inject({ url: '/health/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ready', checks: { revocations: 'up' } });
  });

  it("exposes the original's metric names and the proxy counter by route template", async () => {
    await send(base, { path: '/user/profile?x=1', headers: asUser() });
    await send(base, { path: '/user/users' });
    const text = (await gateway.inject({ url: '/metrics' })).body;
    for (const name of ORIGINAL_METRIC_NAMES) expect(text).toContain(`# TYPE ${name} `);
    expect(text).toMatch(
      /gateway_proxy_requests_total\{target_service="user-service",status_code="200"\} \d+/,
    );
    expect(text).toMatch(
      /gateway_proxy_requests_total\{target_service="user-service",status_code="401"\} \d+/,
    );
    expect(text).toContain(
      'http_requests_total{method="GET",endpoint="/user/*",status_code="200",service="gateway"}',
    );
    expect(text).toContain('# TYPE gateway_revocation_sync_age_seconds gauge');
  });

  it('documents its own routes only', async () => {
    const document = gateway.swagger() as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).sort()).toEqual(['/health', '/health/ready', '/metrics']);
  });

  it('answers /monitoring with 503 when PROMETHEUS_URL is not set, to admins only', async () => {
    expect((await send(base, { path: '/monitoring/graph', headers: asUser() })).status).toBe(403);
    const answer = await send(base, { path: '/monitoring/graph', headers: asAdmin() });
    expect(answer.status).toBe(503);
    expect(answer.json()).toMatchObject({ code: 'MONITORING_UNAVAILABLE' });
  });
});

// docs/compatibility.md#fix-cors-headers
describe('CORS and security headers on every response', () => {
  const origin = { origin: 'https://app.example' };

  it.each([
    ['a proxied answer', { path: '/user/profile', headers: { ...origin, ...asUser() } }, 200],
    ['a public proxied answer', { method: 'POST', path: '/auth/login', headers: origin }, 200],
    ['a 401', { path: '/user/profile', headers: origin }, 401],
    ['a 403', { path: '/admin/users', headers: { ...origin, ...asUser() } }, 403],
    ['a 404', { path: '/nowhere', headers: origin }, 404],
    ['a 405', { path: '/login', headers: origin }, 405],
    ['a local route', { path: '/health', headers: origin }, 200],
  ] as const)('on %s', async (_kind, request, status) => {
    const answer = await send(base, { ...request, headers: { ...request.headers } });
    expect(answer.status).toBe(status);
    expect(answer.headers).toMatchObject(HELMET);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
    expect(answer.headers['strict-transport-security']).toBeUndefined();
  });

  it("answers a preflight itself, without a token, and drops the upstream's own CORS", async () => {
    const preflight = await send(base, {
      method: 'OPTIONS',
      path: '/user/profile',
      headers: {
        ...origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(preflight.headers['access-control-allow-methods']).toContain('PATCH');
    expect(preflight.headers['access-control-allow-headers']).toContain('Authorization');
    // The echo upstream sends Access-Control-Allow-Origin: http://upstream.example.
    const proxied = await send(base, {
      path: '/user/profile',
      headers: { ...origin, ...asUser() },
    });
    expect(proxied.headers['access-control-allow-origin']).toBe('*');
  });

  it('with CORS_ORIGINS, allows only those origins and varies on Origin', async () => {
    const app = await buildGateway({
      ...upstreamEnv(upstream.url),
      CORS_ORIGINS: 'https://app.example, https://admin.example',
    });
    try {
      const url = await listen(app);
      const allowed = await send(url, {
        path: '/user/profile',
        headers: { ...origin, ...asUser() },
      });
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(allowed.headers.vary).toContain('Origin');
      const refused = await send(url, {
        path: '/user/profile',
        headers: { origin: 'https://evil.example', ...asUser() },
      });
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await send(url, {
        method: 'OPTIONS',
        path: '/user/profile',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});

// docs/compatibility.md#fix-logs
describe('logs', () => {
  it('never contain passwords, tokens, Authorization or Cookie', async () => {
    const password = 'hunter2-correct-horse';
    const token = asUser().authorization;
    await send(base, {
      method: 'POST',
      path: '/auth/login?password=in-the-query&token=also-secret',
      headers: {
        'content-type': 'application/json',
        cookie: 'session=cookie-secret',
        authorization: token,
      },
      body: JSON.stringify({ email: 'a@example.com', password }),
    });
    await send(base, {
      path: '/user/profile',
      headers: { authorization: token, cookie: 'session=cookie-secret' },
    });
    const closed = await echoUpstream();
    await closed.close();
    const app = await buildGateway(
      { ...upstreamEnv(upstream.url), USER_SERVICE_URL: closed.url },
      { logStream },
    );
    // An upstream failure is logged with its error: still no credential in it.
    expect(
      (await app.inject({ url: '/user/profile', headers: { authorization: token } })).statusCode,
    ).toBe(502);
    await app.close();

    const text = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(2);
    expect(text).toContain('/auth/login');
    expect(text).toContain('response errored');
    for (const secret of [
      password,
      token.slice(7),
      'cookie-secret',
      'in-the-query',
      'also-secret',
      'Bearer',
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('configuration', () => {
  const valid = {
    JWT_SECRET: TEST_JWT_SECRET,
    JWKS_URL: testJwksUrl(),
    INTERNAL_API_TOKEN: INTERNAL_TOKEN,
    ...upstreamEnv('http://127.0.0.1:1'),
  };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(configSchema, { ...valid, ...env });
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.problems.map((problem) => problem.variable);
      throw err;
    }
  };

  it('has working defaults for everything but secrets and upstreams', () => {
    const config = loadConfig(configSchema, valid);
    expect(config).toMatchObject({
      PORT: 3000,
      TRUST_PROXY: 'loopback',
      CORS_ORIGINS: '*',
      RATE_LIMIT_GLOBAL_MAX: 100,
      RATE_LIMIT_LOGIN_MAX: 5,
      RATE_LIMIT_REGISTER_MAX: 10,
      REVOCATION_POLL_MS: 2000,
      REVOCATION_MAX_STALENESS_MS: 30000,
    });
    expect(problems({ INTERNAL_API_TOKEN: '' })).toEqual(['INTERNAL_API_TOKEN']);
    expect(problems({ AUTH_SERVICE_URL: '' })).toEqual(['AUTH_SERVICE_URL']);
  });

  it.each([
    ['TRUST_PROXY', 'everyone'],
    ['TRUST_PROXY', '10.0.0.0/8; rm'],
    ['CORS_ORIGINS', '*, https://app.example'],
    ['CORS_ORIGINS', 'app.example'],
    ['USER_SERVICE_URL', 'http://user-service:3002/prefix'],
    ['REDIS_URL', 'http://redis:6379'],
    ['REVOCATION_POLL_MS', '10000'],
    ['REVOCATION_MAX_STALENESS_MS', '10'],
  ])('refuses %s=%s', (variable, value) => {
    expect(problems({ [variable]: value })).toEqual([variable]);
  });

  it('refuses a staleness bound shorter than two polls, naming it', async () => {
    const config = loadConfig(configSchema, {
      ...valid,
      REVOCATION_POLL_MS: '1000',
      REVOCATION_MAX_STALENESS_MS: '1500',
    });
    await expect(buildApp(config, { logger: false })).rejects.toMatchObject({
      problems: [{ variable: 'REVOCATION_MAX_STALENESS_MS' }],
    });
  });

  it.each([
    ['TRUST_PROXY', 'none'],
    ['TRUST_PROXY', '172.16.0.0/12, 10.0.0.5,::1'],
    ['CORS_ORIGINS', 'https://app.example,http://localhost:5173'],
    ['REDIS_URL', 'redis://:password@redis:6379/0'],
  ])('accepts %s=%s', (variable, value) => {
    expect(problems({ [variable]: value })).toEqual([]);
  });
});
