import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { echoUpstream, type EchoUpstream } from './support/echo-upstream.js';
import { buildGateway, upstreamEnv } from './support/gateway.js';
import { listen, send, type Send } from './support/http.js';

let upstream: EchoUpstream;
let gateway: ServiceApp;
let base: string;

beforeAll(async () => {
  upstream = await echoUpstream();
  gateway = await buildGateway({
    ...upstreamEnv(upstream.url),
    RATE_LIMIT_GLOBAL_MAX: '8',
    RATE_LIMIT_LOGIN_MAX: '5',
    RATE_LIMIT_REGISTER_MAX: '2',
  });
  base = await listen(gateway);
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

// The tests connect from 127.0.0.1, a trusted proxy by default: X-Forwarded-For names the
// client, so each test is a client of its own.
function from(ip: string, request: Send): Promise<Awaited<ReturnType<typeof send>>> {
  return send(base, { ...request, headers: { ...request.headers, 'x-forwarded-for': ip } });
}
const login = (path = '/login') => ({
  method: 'POST',
  path,
  headers: { 'content-type': 'application/json' },
  body: '{"email":"a@example.com","password":"x"}',
});

describe('global limit (RATE_LIMIT_GLOBAL_MAX per minute per client IP)', () => {
  it('counts every request, answers the original 429 with Retry-After and RateLimit-*', async () => {
    const ip = '203.0.113.10';
    const answers = [];
    for (let i = 0; i < 8; i++) {
      answers.push(await from(ip, { path: i % 2 ? '/nowhere' : '/auth/me' }));
    }
    expect(answers.map((a) => a.headers['ratelimit-remaining'])).toEqual([
      '7',
      '6',
      '5',
      '4',
      '3',
      '2',
      '1',
      '0',
    ]);
    expect(answers[0]?.headers['ratelimit-limit']).toBe('8');
    expect(Number(answers[0]?.headers['ratelimit-reset'])).toBeLessThanOrEqual(60);

    const refused = await from(ip, {
      path: '/auth/me',
      headers: { origin: 'https://app.example' },
    });
    expect(refused.status).toBe(429);
    expect(refused.json()).toEqual({ error: 'Rate limit exceeded', code: 'RATE_LIMITED' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(refused.headers['access-control-allow-origin']).toBe('*');
    expect(refused.headers['x-content-type-options']).toBe('nosniff');

    // Another client is not affected.
    expect((await from('203.0.113.11', { path: '/auth/me' })).status).toBe(200);
  });

  // docs/compatibility.md#fix-rate-limits
  it('cannot be dodged by prepending addresses to X-Forwarded-For', async () => {
    for (let i = 0; i < 8; i++) await from(`10.9.9.${i}, 203.0.113.20`, { path: '/auth/me' });
    const refused = await from('198.51.100.99, 203.0.113.20', { path: '/auth/me' });
    expect(refused.status).toBe(429);
  });
});

describe('login limit (RATE_LIMIT_LOGIN_MAX per minute per client IP)', () => {
  // docs/compatibility.md#fix-login-route
  it('is one bucket for POST /login and POST /auth/login', async () => {
    const ip = '203.0.113.30';
    for (const path of ['/login', '/auth/login', '/login', '/auth/login/', '/login']) {
      const answer = await from(ip, login(path));
      expect(answer.status, path).toBe(200);
      expect(answer.headers['ratelimit-limit']).toBe('5');
    }
    for (const path of ['/auth/login', '/login']) {
      const refused = await from(ip, login(path));
      expect(refused.status).toBe(429);
      expect(refused.json()).toEqual({
        error: 'Too many login attempts, try again later',
        code: 'LOGIN_RATE_LIMITED',
      });
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
    // Other routes of the same client still work: the global limit is not exhausted.
    expect((await from(ip, { path: '/auth/me' })).status).toBe(200);
  });
});

describe('registration limit (RATE_LIMIT_REGISTER_MAX per hour per client IP)', () => {
  it('refuses the registration after the limit for an hour', async () => {
    const ip = '203.0.113.40';
    const register = {
      method: 'POST',
      path: '/auth/register',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    };
    expect((await from(ip, register)).status).toBe(200);
    expect((await from(ip, register)).status).toBe(200);
    const refused = await from(ip, register);
    expect(refused.status).toBe(429);
    expect(refused.json()).toEqual({
      error: 'Too many registrations, try again later',
      code: 'REGISTER_RATE_LIMITED',
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3500);
    expect((await from(ip, login())).status).toBe(200);
  });
});

describe('without trusted proxies (TRUST_PROXY=none)', () => {
  it('keys on the connection, whatever X-Forwarded-For says', async () => {
    const app = await buildGateway({
      ...upstreamEnv(upstream.url),
      TRUST_PROXY: 'none',
      RATE_LIMIT_GLOBAL_MAX: '2',
    });
    try {
      const url = await listen(app);
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        const answer = await send(url, {
          path: '/auth/me',
          headers: { 'x-forwarded-for': `198.51.100.${i}` },
        });
        statuses.push(answer.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(upstream.last('/me')?.headers['x-forwarded-for']).toBe('127.0.0.1');
    } finally {
      await app.close();
    }
  });
});
