import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { echoUpstream, type EchoUpstream } from './support/echo-upstream.js';
import { asUser, buildGateway, upstreamEnv } from './support/gateway.js';
import { listen, sample, send } from './support/http.js';

const TIMEOUT_MS = 400;

let upstream: EchoUpstream;
let closedUrl: string;
let gateway: ServiceApp;
let base: string;

beforeAll(async () => {
  upstream = await echoUpstream();
  // A port nothing listens on: connections are refused, as with a stopped container.
  const closed = await echoUpstream();
  closedUrl = closed.url;
  await closed.close();
  upstream.respond((request, response) => {
    if (request.url.startsWith('/qr/attendance/history')) return true; // never answers
    if (request.url.startsWith('/busy')) {
      response.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' });
      response.end('{"error":"Service temporarily unavailable","code":"DATABASE_UNAVAILABLE"}');
      return true;
    }
    return false;
  });
  gateway = await buildGateway({
    ...upstreamEnv(upstream.url),
    SOCIAL_LOG_SERVICE_URL: closedUrl,
    UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
  });
  base = await listen(gateway);
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

// docs/compatibility.md#fix-upstream-errors
describe('upstream failures', () => {
  it('answers 502 UPSTREAM_UNAVAILABLE in under a second when the upstream is down', async () => {
    const answer = await send(base, {
      method: 'POST',
      path: '/api/social/log',
      headers: { ...asUser(), 'content-type': 'application/json', origin: 'https://app.example' },
      body: '{}',
    });
    expect(answer.status).toBe(502);
    expect(answer.json()).toEqual({
      error: 'The upstream service is unavailable',
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(answer.elapsed).toBeLessThan(1000);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers 504 UPSTREAM_TIMEOUT once UPSTREAM_TIMEOUT_MS has passed', async () => {
    const answer = await send(base, { path: '/user/qr/attendance/history', headers: asUser() });
    expect(answer.status).toBe(504);
    expect(answer.json()).toEqual({
      error: 'The upstream service did not answer in time',
      code: 'UPSTREAM_TIMEOUT',
    });
    expect(answer.elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(answer.elapsed).toBeLessThan(TIMEOUT_MS + 1000);
  });

  it("passes an upstream's 503 on at once, without retrying it", async () => {
    const before = upstream.received.length;
    const answer = await send(base, { path: '/auth/busy' });
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.json()).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(answer.elapsed).toBeLessThan(900);
    expect(upstream.received.length).toBe(before);
  });

  it('counts the outcomes in gateway_proxy_requests_total', async () => {
    const line = (service: string, status: number) =>
      `gateway_proxy_requests_total{target_service="${service}",status_code="${status}"}`;
    expect(await sample(gateway, line('social-log-service', 502))).toBeGreaterThanOrEqual(1);
    expect(await sample(gateway, line('user-service', 504))).toBeGreaterThanOrEqual(1);
    expect(await sample(gateway, line('auth-service', 503))).toBeGreaterThanOrEqual(1);
  });
});

describe('overload', () => {
  it('sheds load with 503 OVERLOADED when the event loop lags, still serving /metrics', async () => {
    const app = await buildGateway({ ...upstreamEnv(upstream.url), MAX_EVENT_LOOP_DELAY_MS: '20' });
    // Block the loop as CPU-bound work would, 100 ms at a time with a turn of the loop between,
    // until the test is done. The gateway judges the mean delay over each second, so one long
    // block could fall in a second that was otherwise idle and average out below the limit;
    // blocks without pause make every second that lies inside them lag by about 100 ms.
    const done = new AbortController();
    const lag = (async () => {
      while (!done.signal.aborted) {
        const until = Date.now() + 100;
        while (Date.now() < until) {
          /* busy */
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      await expect
        .poll(
          async () => (await app.inject({ url: '/user/profile', headers: asUser() })).statusCode,
          { timeout: 10_000, interval: 10 },
        )
        .toBe(503);
      const refused = await app.inject({ url: '/user/profile', headers: asUser() });
      expect(refused.json()).toEqual({
        error: 'The gateway is overloaded; try again shortly',
        code: 'OVERLOADED',
      });
      expect((await app.inject({ url: '/metrics' })).statusCode).toBe(200);
    } finally {
      done.abort();
      await lag;
      await app.close();
    }
  });
});
