import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { feedOutage } from './support/feed-outage.js';
import { bearer, buildGateway } from './support/gateway.js';
import { listen, send, type Answer } from './support/http.js';
import { hasRedisServer, startRedis } from './support/redis.js';
import { startServices, type Services } from './support/services.js';

// A test is never skipped for a missing program: make test installs it (scripts/system-tools.sh).
if (!hasRedisServer()) {
  throw new Error(
    'redis-server is not installed: run scripts/system-tools.sh as root, or apt-get install -y redis-server',
  );
}

const JWT_INVALID = { error: 'Token non valido o mancante', code: 'JWT_INVALID' };
// Generous: the test machine is shared and slow; every wait polls for a state.
const POLL = { timeout: 20_000, interval: 50 };

let services: Services;
let counter = 0;

beforeAll(async () => {
  services = await startServices();
});
afterAll(async () => {
  await services.close();
});

interface Account {
  email: string;
  password: string;
  token: string;
}

function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return send(base, {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** A new account, registered and signed in through the gateway at `base`. */
async function newAccount(base: string): Promise<Account> {
  counter += 1;
  const email = `fc${process.pid}-${counter}@example.com`;
  const password = 'correct horse battery';
  const registered = await post(base, '/auth/register', {
    email,
    name: 'Mario',
    surname: 'Rossi',
    password,
  });
  expect(registered.status, registered.text).toBe(201);
  const login = await post(base, '/login', { email, password });
  expect(login.status, login.text).toBe(200);
  return { email, password, token: login.json<{ token: string }>().token };
}

/** Figures for docs/RELIABILITY.md, printed, never asserted (the machine is shared). */
function report(title: string, facts: Record<string, unknown>): void {
  process.stdout.write(`[fail-closed] ${title}: ${JSON.stringify(facts)}\n`);
}

const profile = (base: string, token: string, ip = '198.51.100.1') =>
  send(base, { path: '/user/profile', headers: { ...bearer(token), 'x-forwarded-for': ip } });

async function metric(gateway: ServiceApp, name: string): Promise<number> {
  const text = (await gateway.inject({ url: '/metrics' })).body;
  const line = text.split('\n').find((row) => row.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

async function degraded(gateway: ServiceApp): Promise<string[]> {
  const health = await gateway.inject({ url: '/health' });
  expect(health.statusCode).toBe(200);
  return health.json<{ degraded: string[] }>().degraded;
}

describe("auth-service's revocation feed unreachable (REVOCATION_MAX_STALENESS_MS)", () => {
  it('refuses tokens once the bound passes, keeps public routes, and resumes after', async () => {
    const outage = await feedOutage(services.env.AUTH_SERVICE_URL ?? '');
    const gateway = await buildGateway({
      ...services.env,
      AUTH_SERVICE_URL: outage.url,
      REVOCATION_POLL_MS: '100',
      REVOCATION_MAX_STALENESS_MS: '1500',
    });
    try {
      const base = await listen(gateway);
      const ended = await newAccount(base);
      const kept = await newAccount(base);
      expect((await profile(base, ended.token)).status).toBe(200);
      expect(await degraded(gateway)).toEqual([]);

      outage.cut();
      const cutAt = Date.now();
      // Logout is a public route: auth-service ends the session, the gateway cannot learn it.
      const logout = await send(base, {
        method: 'POST',
        path: '/auth/logout',
        headers: bearer(ended.token),
      });
      expect(logout.status, logout.text).toBe(200);

      await expect.poll(async () => (await profile(base, ended.token)).status, POLL).toBe(503);
      const refusedAfterMs = Date.now() - cutAt;
      const refused = await profile(base, ended.token);
      expect(refused.json()).toEqual({
        error: 'Session revocations are out of date; try again shortly',
        code: 'REVOCATIONS_UNAVAILABLE',
      });
      // One poll period, rounded up to a second: when a recovered feed has been read again.
      expect(refused.headers['retry-after']).toBe('1');
      // Every token, since any session may have ended meanwhile.
      expect((await profile(base, kept.token)).json()).toMatchObject({
        code: 'REVOCATIONS_UNAVAILABLE',
      });
      // Routes without a token keep working: a login, and the gateway's liveness.
      const login = await post(base, '/auth/login', { email: kept.email, password: kept.password });
      expect(login.status, login.text).toBe(200);
      expect(await degraded(gateway)).toEqual(['revocations']);
      const ready = await gateway.inject({ url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ checks: { revocations: 'down' } });
      expect(await metric(gateway, 'gateway_revocation_sync_age_seconds')).toBeGreaterThan(1.5);

      outage.heal();
      const healedAt = Date.now();
      await expect.poll(async () => (await profile(base, kept.token)).status, POLL).toBe(200);
      const servedAfterMs = Date.now() - healedAt;
      // The read that made the gateway current again brought the logout with it.
      const ended401 = await profile(base, ended.token);
      expect(ended401.status).toBe(401);
      expect(ended401.json()).toEqual(JWT_INVALID);
      expect((await gateway.inject({ url: '/health/ready' })).statusCode).toBe(200);
      expect(await degraded(gateway)).toEqual([]);
      expect(await metric(gateway, 'gateway_revocation_sync_age_seconds')).toBeLessThan(1.5);
      report('feed unreachable', { boundMs: 1500, pollMs: 100, refusedAfterMs, servedAfterMs });
    } finally {
      await gateway.close();
      await outage.close();
    }
  });
});

/** Authenticated reads on every replica, from changing addresses, until stopped. */
function traffic(urls: string[], token: string) {
  const answers: Answer[] = [];
  const state = { running: true };
  let n = 0;
  const loop = (async () => {
    while (state.running) {
      for (const url of urls) {
        n += 1;
        answers.push(await profile(url, token, `198.18.${n % 250}.${n % 200}`));
      }
      await sleep(20);
    }
  })();
  return {
    answers,
    async stop() {
      state.running = false;
      await loop;
    },
  };
}

describe('two replicas while their Redis is down (REDIS_URL)', () => {
  it('limit logins per replica, read the feed directly, and share again once it is back', async () => {
    const redis = await startRedis();
    const env = {
      ...services.env,
      REDIS_URL: redis.url,
      REVOCATION_POLL_MS: '100',
      RATE_LIMIT_LOGIN_MAX: '5',
    };
    const replicas = [await buildGateway(env), await buildGateway(env)] as const;
    let load: ReturnType<typeof traffic> | undefined;
    try {
      const urls = [await listen(replicas[0]), await listen(replicas[1])] as const;
      const reader = await newAccount(urls[0]);
      const leaving = await newAccount(urls[0]);
      const wrongLogin = (url: string, ip: string) =>
        post(
          url,
          '/login',
          { email: `nobody-${++counter}@example.com`, password: 'wrong' },
          {
            'x-forwarded-for': ip,
          },
        );

      load = traffic([...urls], reader.token);
      await redis.stop();
      const stoppedAt = Date.now();

      // Each replica counts on its own: 5 wrong logins answered, the 6th refused, on each.
      for (const url of urls) {
        const ip = '203.0.113.70';
        for (let i = 0; i < 5; i++) expect((await wrongLogin(url, ip)).status).toBe(401);
        const refused = await wrongLogin(url, ip);
        expect(refused.status).toBe(429);
        expect(refused.json()).toMatchObject({ code: 'LOGIN_RATE_LIMITED' });
      }
      for (const replica of replicas) {
        expect(await degraded(replica)).toContain('rate-limits');
        // Still ready: the limits hold, per replica.
        expect((await replica.inject({ url: '/health/ready' })).statusCode).toBe(200);
      }
      expect(await metric(replicas[0], 'gateway_rate_limit_store_errors_total')).toBeGreaterThan(0);

      // Without the mirror every replica reads auth-service's feed itself.
      await expect.poll(() => degraded(replicas[1]), POLL).toContain('revocation-mirror');
      const logout = await send(urls[0], {
        method: 'POST',
        path: '/auth/logout',
        headers: bearer(leaving.token),
      });
      expect(logout.status, logout.text).toBe(200);
      for (const url of urls) {
        await expect.poll(async () => (await profile(url, leaving.token)).status, POLL).toBe(401);
      }

      const storeErrors = await metric(replicas[0], 'gateway_rate_limit_store_errors_total');
      await redis.start();
      const backAt = Date.now();
      for (const replica of replicas) {
        await expect.poll(() => degraded(replica), POLL).toEqual([]);
      }
      const sharedAfterMs = Date.now() - backAt;
      // Shared again: 5 wrong logins over the two replicas, and the 6th is refused.
      const ip = '203.0.113.71';
      for (let i = 0; i < 5; i++)
        expect((await wrongLogin(urls[i % 2] ?? '', ip)).status).toBe(401);
      expect((await wrongLogin(urls[1], ip)).status).toBe(429);
      expect((await wrongLogin(urls[0], ip)).status).toBe(429);

      await load.stop();
      // The reads never noticed: no error, no 429, no 503 while Redis came and went.
      expect(load.answers.length).toBeGreaterThan(10);
      expect(new Set(load.answers.map((answer) => answer.status))).toEqual(new Set([200]));
      report('Redis down', {
        redisDownMs: backAt - stoppedAt,
        reads: load.answers.length,
        readStatuses: [...new Set(load.answers.map((answer) => answer.status))],
        storeErrorsInProcess: storeErrors,
        sharedAfterMs,
      });
    } finally {
      await load?.stop().catch(() => undefined);
      await Promise.all(replicas.map((replica) => replica.close()));
      await redis.stop();
    }
  });
});
