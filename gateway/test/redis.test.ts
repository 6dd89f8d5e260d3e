import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { echoUpstream, type EchoUpstream } from './support/echo-upstream.js';
import { fakeFeed, type FakeFeed } from './support/fake-feed.js';
import { accessToken, bearer, buildGateway, upstreamEnv } from './support/gateway.js';
import { listen, send } from './support/http.js';
import { hasRedisServer, startRedis, type RedisServer } from './support/redis.js';

// A test is never skipped for a missing program: make test installs it (scripts/system-tools.sh).
if (!hasRedisServer()) {
  throw new Error(
    'redis-server is not installed: run scripts/system-tools.sh as root, or apt-get install -y redis-server',
  );
}

describe('two gateway replicas sharing one Redis (REDIS_URL)', () => {
  let redis: RedisServer;
  let upstream: EchoUpstream;
  let feed: FakeFeed;
  let first: ServiceApp;
  let second: ServiceApp;
  let urls: [string, string];

  beforeAll(async () => {
    redis = await startRedis();
    upstream = await echoUpstream();
    feed = fakeFeed(upstream, 100);
    const env = {
      ...upstreamEnv(upstream.url),
      REDIS_URL: redis.url,
      REVOCATION_POLL_MS: '100',
      RATE_LIMIT_GLOBAL_MAX: '6',
      RATE_LIMIT_LOGIN_MAX: '3',
    };
    first = await buildGateway(env);
    second = await buildGateway(env);
    urls = [await listen(first), await listen(second)];
  });
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
    await upstream.close();
    await redis.stop();
  });

  const from = (ip: string, url: string, path: string, method = 'GET') =>
    send(url, { method, path, headers: { 'x-forwarded-for': ip } });

  it('count one global limit between them', async () => {
    const ip = '203.0.113.50';
    const statuses = [];
    for (let i = 0; i < 7; i++)
      statuses.push((await from(ip, urls[i % 2] ?? '', '/auth/me')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
    expect((await from(ip, urls[0], '/auth/me')).status).toBe(429);
    expect((await from(ip, urls[1], '/auth/me')).status).toBe(429);
    expect((await from('203.0.113.51', urls[1], '/auth/me')).status).toBe(200);
  });

  it('count one login limit between them', async () => {
    const ip = '203.0.113.60';
    expect((await from(ip, urls[0], '/login', 'POST')).status).toBe(200);
    expect((await from(ip, urls[1], '/auth/login', 'POST')).status).toBe(200);
    expect((await from(ip, urls[0], '/auth/login', 'POST')).status).toBe(200);
    const refused = await from(ip, urls[1], '/login', 'POST');
    expect(refused.status).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'LOGIN_RATE_LIMITED' });
  });

  it('share revocations: a replica cut off from the feed learns them through Redis', async () => {
    // A third replica whose auth-service answers the first full read, then fails: from then on
    // it can only learn of a revocation from what the other replicas put in Redis.
    const isolatedAuth = await echoUpstream();
    const isolatedFeed = fakeFeed(isolatedAuth);
    const isolated = await buildGateway({
      ...upstreamEnv(upstream.url),
      AUTH_SERVICE_URL: isolatedAuth.url,
      REDIS_URL: redis.url,
      REVOCATION_POLL_MS: '100',
    });
    try {
      isolatedFeed.failWith(503);
      const url = await listen(isolated);
      const sid = randomUUID();
      const token = accessToken({ sid });
      // A client address per request: the replicas share a small global limit here.
      let requests = 0;
      const ask = (base: string) =>
        send(base, {
          path: '/user/profile',
          headers: {
            ...bearer(token),
            'x-forwarded-for': `198.18.${++requests % 250}.${requests % 200}`,
          },
        });
      expect((await ask(url)).status).toBe(200);

      const revokedAt = Date.now();
      feed.revoke(sid);
      for (const base of [...urls, url]) {
        await expect
          .poll(async () => (await ask(base)).status, { timeout: 10_000, interval: 25 })
          .toBe(401);
      }
      // The promise is 10 s; with a 100 ms poll it takes well under a second on an idle machine,
      // and the bound is the promise so that a busy test machine cannot make it flaky.
      expect(Date.now() - revokedAt).toBeLessThan(10_000);
      expect((await ask(url)).json()).toEqual({
        error: 'Token non valido o mancante',
        code: 'JWT_INVALID',
      });

      const client = new Redis(redis.url);
      try {
        const mirrored = await client.zrange('cloud-backend:gateway:revocations', 0, -1);
        expect(mirrored.some((member) => member.startsWith(`${sid} `))).toBe(true);
      } finally {
        client.disconnect();
      }
    } finally {
      await isolated.close();
      await isolatedAuth.close();
    }
  });
});
