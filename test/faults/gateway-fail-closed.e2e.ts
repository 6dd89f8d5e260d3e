import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@cloud-backend/shared/dev';
import { postgresAdminUrl } from '@cloud-backend/shared/testing';
import { feedOutage } from '../../gateway/test/support/feed-outage.js';
import { startRedis } from '../../gateway/test/support/redis.js';
import { registerAccounts, request, type Account } from './support/client.js';
import { ServiceProcess, startStack, type Stack } from './support/stack.js';
import { profileReads, report, tally, Traffic, type Outcome } from './support/traffic.js';

// The gateway as real processes when what it depends on for its security goes away: auth-service's
// revocation feed (it must stop trusting its list after REVOCATION_MAX_STALENESS_MS), and Redis
// (its rate limits must keep counting, per replica). README, gateway; docs/RELIABILITY.md.
const POLL = { timeout: 30_000, interval: 100 };

let stack: Stack;
// Set once the stack is up: a failed start leaves nothing to stop.
let cleanup: (() => Promise<void>) | undefined;
let accounts: Account[];

beforeAll(async () => {
  stack = await startStack({ adminUrl: postgresAdminUrl(), prefix: 'failclosed' });
  cleanup = () => stack.close();
  accounts = await registerAccounts(stack.gateway.url, 'fail-closed', 6);
});

afterAll(async () => {
  await cleanup?.();
});

/** Another gateway process on the stack's services. */
async function gateway(env: Record<string, string>): Promise<ServiceProcess> {
  const spawned = new ServiceProcess('gateway', await freePort(), { ...stack.gatewayEnv, ...env });
  await spawned.start();
  return spawned;
}

async function health(base: string): Promise<{ degraded: string[] }> {
  const answer = await request(base, 'GET', '/health');
  expect(answer.status).toBe(200);
  return JSON.parse(answer.text) as { degraded: string[] };
}

const status = async (base: string, token: string) =>
  (await request(base, 'GET', '/user/profile', { token })).status;

const body = (outcome: Outcome) => JSON.parse(outcome.text) as { code?: string };

describe('auth-service’s revocation feed unreachable from a gateway process', () => {
  it('refuses tokens past the bound, never anything else, and serves one poll after', async () => {
    const outage = await feedOutage(stack.auth.url);
    const gw = await gateway({
      AUTH_SERVICE_URL: outage.url,
      REVOCATION_POLL_MS: '200',
      REVOCATION_MAX_STALENESS_MS: '1500',
    });
    try {
      const [leaving, ...staying] = accounts;
      if (!leaving) throw new Error('no account');
      await expect.poll(() => status(gw.url, leaving.token), POLL).toBe(200);
      const traffic = new Traffic([profileReads(gw.url, staying)], {
        workers: 2,
        pauseMs: 20,
      }).start();
      await new Promise((resolve) => setTimeout(resolve, 1000));

      outage.cut();
      const cutAt = performance.now();
      const logout = await request(gw.url, 'POST', '/auth/logout', { token: leaving.token });
      expect(logout.status, logout.text).toBe(200);
      await expect.poll(() => status(gw.url, leaving.token), POLL).toBe(503);
      expect((await request(gw.url, 'GET', '/health/ready')).status).toBe(503);
      expect((await health(gw.url)).degraded).toContain('revocations');
      const login = await request(gw.url, 'POST', '/login', {
        body: { email: staying[0]?.email, password: staying[0]?.password },
      });
      expect(login.status, login.text).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2000));

      outage.heal();
      const healedAt = performance.now();
      await expect
        .poll(() => traffic.outcomes.some((o) => o.sentAt > healedAt && o.status === 200), POLL)
        .toBe(true);
      const servedAt = performance.now();
      expect(await status(gw.url, leaving.token)).toBe(401);
      expect((await request(gw.url, 'GET', '/health/ready')).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const outcomes = await traffic.stop();

      const refused = outcomes.filter((o) => o.status === 503);
      const firstRefusal = Math.min(...refused.map((o) => o.endedAt));
      report('revocation feed unreachable', {
        requests: outcomes.length,
        byStatus: tally(outcomes),
        boundMs: 1500,
        firstRefusalAfterCutMs: Math.round(firstRefusal - cutAt),
        servedAfterHealMs: Math.round(servedAt - healedAt),
        refusalLatencyMsMax: Math.round(Math.max(0, ...refused.map((o) => o.ms))),
      });
      expect(refused.length).toBeGreaterThan(0);
      for (const outcome of outcomes) {
        expect([200, 503], `${outcome.text}${outcome.error ?? ''}`).toContain(outcome.status);
        if (outcome.status === 503) {
          expect(body(outcome)).toMatchObject({ code: 'REVOCATIONS_UNAVAILABLE' });
          expect(outcome.headers?.get('retry-after')).toBe('1');
          expect(outcome.sentAt).toBeGreaterThan(cutAt);
          expect(outcome.sentAt).toBeLessThan(servedAt);
        }
      }
      expect(outcomes.filter((o) => o.sentAt > servedAt).every((o) => o.status === 200)).toBe(true);
    } finally {
      await gw.stop();
      await outage.close();
    }
  });
});

describe('two gateway processes while their Redis is down', () => {
  it('keep the login limit per replica, serve every read, and share again after', async () => {
    const redis = await startRedis();
    const env = { REDIS_URL: redis.url, REVOCATION_POLL_MS: '200', RATE_LIMIT_LOGIN_MAX: '5' };
    const replicas = [await gateway(env), await gateway(env)];
    const urls = replicas.map((replica) => replica.url);
    const traffic = new Traffic(
      urls.map((url) => profileReads(url, accounts.slice(1))),
      { workers: 1, pauseMs: 20 },
    ).start();
    let wrong = 0;
    const wrongLogin = async (url: string) => {
      wrong += 1;
      const answer = await request(url, 'POST', '/login', {
        body: { email: `nobody-${String(wrong)}@example.com`, password: 'wrong password' },
      });
      return answer.status;
    };
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await redis.stop();
      const stoppedAt = performance.now();

      const perReplica: number[][] = [];
      for (const url of urls) {
        const statuses = [];
        for (let i = 0; i < 6; i++) statuses.push(await wrongLogin(url));
        perReplica.push(statuses);
      }
      expect(perReplica).toEqual([
        [401, 401, 401, 401, 401, 429],
        [401, 401, 401, 401, 401, 429],
      ]);
      for (const url of urls) {
        expect((await health(url)).degraded).toContain('rate-limits');
        expect((await request(url, 'GET', '/health/ready')).status).toBe(200);
      }
      const metrics = await request(urls[0] ?? '', 'GET', '/metrics');
      const errors = /^gateway_rate_limit_store_errors_total (\d+)/m.exec(metrics.text)?.[1];
      expect(Number(errors)).toBeGreaterThan(0);

      await redis.start();
      const startedAt = performance.now();
      for (const url of urls)
        await expect.poll(async () => (await health(url)).degraded, POLL).toEqual([]);
      const sharedAt = performance.now();
      const shared = [];
      for (let i = 0; i < 6; i++) shared.push(await wrongLogin(urls[i % 2] ?? ''));
      expect(shared).toEqual([401, 401, 401, 401, 401, 429]);

      const outcomes = await traffic.stop();
      report('Redis down under two gateways', {
        requests: outcomes.length,
        byStatus: tally(outcomes),
        redisDownMs: Math.round(startedAt - stoppedAt),
        sharedAgainAfterMs: Math.round(sharedAt - startedAt),
        storeErrors: Number(errors),
        readLatencyMsMax: Math.round(Math.max(0, ...outcomes.map((o) => o.ms))),
      });
      for (const outcome of outcomes) {
        expect(outcome.status, `${outcome.text}${outcome.error ?? ''}`).toBe(200);
      }
    } finally {
      await traffic.stop();
      await Promise.all(replicas.map((replica) => replica.stop()));
      await redis.stop();
    }
  });
});
