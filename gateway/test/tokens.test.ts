import { randomUUID } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { TEST_JWT_SECRET } from '@cloud-backend/shared/testing';
import { echoUpstream, type EchoUpstream } from './support/echo-upstream.js';
import { fakeFeed, type FakeFeed } from './support/fake-feed.js';
import {
  INTERNAL_TOKEN,
  accessToken,
  bearer,
  buildGateway,
  upstreamEnv,
  waitUntilReady,
} from './support/gateway.js';
import { sample } from './support/http.js';

const JWT_INVALID = { error: 'Token non valido o mancante', code: 'JWT_INVALID' };

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({
  user_id: 1,
  email: 'user@example.com',
  role: 'user',
  name: 'Test',
  surname: 'User',
  identifier: 'user@example.com',
  typ: 'access',
  sid: randomUUID(),
  iat: now(),
  exp: now() + 3600,
});

// Tokens the gateway must refuse, each with the reason (docs/compatibility.md#fix-gateway-tokens,
// #token-claims).
const FORGED: [string, () => string][] = [
  ['alg none', () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`],
  [
    'alg HS512 with the right key',
    () => createSigner({ key: TEST_JWT_SECRET, algorithm: 'HS512' })(claims()),
  ],
  ['the wrong key', () => accessToken({}, 'another-secret-that-is-at-least-32-bytes')],
  ['expired', () => accessToken({ exp: now() - 5, iat: now() - 100 })],
  ['no exp', () => accessToken({ exp: undefined })],
  ['a QR token (typ attendance_qr)', () => accessToken({ typ: 'attendance_qr' })],
  ['no typ', () => accessToken({ typ: undefined })],
  ['a refresh-style typ', () => accessToken({ typ: 'refresh' })],
  ['no session id (it could never be revoked)', () => accessToken({ sid: undefined })],
  ['a string user_id', () => accessToken({ user_id: '1' })],
  ['no role', () => accessToken({ role: undefined })],
  [
    'a tampered payload',
    () => {
      const [header, , signature] = accessToken().split('.');
      return `${header}.${base64url({ ...claims(), role: 'admin' })}.${signature}`;
    },
  ],
  ['garbage', () => 'not.a.jwt'],
];

let upstream: EchoUpstream;
let feed: FakeFeed;
let gateway: ServiceApp;

beforeAll(async () => {
  upstream = await echoUpstream();
  feed = fakeFeed(upstream);
  gateway = await buildGateway({ ...upstreamEnv(upstream.url), REVOCATION_POLL_MS: '50' });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('access tokens at the gateway', () => {
  it.each(FORGED)('refuses %s with the original 401', async (_reason, make) => {
    const response = await gateway.inject({ url: '/user/profile', headers: bearer(make()) });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(JWT_INVALID);
  });

  it.each([
    ['no Authorization header', {}],
    ['a Basic credential', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['Bearer with nothing after it', { authorization: 'Bearer ' }],
  ])('refuses %s', async (_reason, headers: Record<string, string>) => {
    const response = await gateway.inject({ url: '/user/profile', headers });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(JWT_INVALID);
  });

  it('accepts a token as auth-service issues it', async () => {
    const response = await gateway.inject({ url: '/user/profile', headers: bearer(accessToken()) });
    expect(response.statusCode).toBe(200);
  });

  it('counts every check in jwt_validation_total{service="gateway"}', async () => {
    const line = (status: string) => `jwt_validation_total{status="${status}",service="gateway"}`;
    const [ok, failed] = [
      await sample(gateway, line('success')),
      await sample(gateway, line('failed')),
    ];
    await gateway.inject({ url: '/user/profile', headers: bearer(accessToken()) });
    await gateway.inject({ url: '/user/profile', headers: bearer('x.y.z') });
    await gateway.inject({ url: '/user/profile' });
    expect(await sample(gateway, line('success'))).toBe(ok + 1);
    expect(await sample(gateway, line('failed'))).toBe(failed + 2);
  });
});

describe('revoked sessions', () => {
  it('reads the feed with the service credential, page after page', () => {
    expect(feed.credentials.every((value) => value === `Bearer ${INTERNAL_TOKEN}`)).toBe(true);
    expect(feed.reads[0]).toBe('0');
  });

  it('refuses a revoked session within a poll period, and only that session', async () => {
    const revoked = randomUUID();
    const other = randomUUID();
    const token = accessToken({ sid: revoked });
    expect(
      (await gateway.inject({ url: '/user/profile', headers: bearer(token) })).statusCode,
    ).toBe(200);

    // Three at once: more than one page of the feed.
    feed.revoke(randomUUID());
    feed.revoke(revoked);
    feed.revoke(randomUUID());
    await expect
      .poll(
        async () =>
          (await gateway.inject({ url: '/user/profile', headers: bearer(token) })).statusCode,
        {
          timeout: 2000,
          interval: 25,
        },
      )
      .toBe(401);
    const refused = await gateway.inject({ url: '/user/profile', headers: bearer(token) });
    expect(refused.json()).toEqual(JWT_INVALID);
    const fine = await gateway.inject({
      url: '/user/profile',
      headers: bearer(accessToken({ sid: other })),
    });
    expect(fine.statusCode).toBe(200);
    // The three may arrive over two polls (a page of the feed each): the gauge catches up.
    await expect
      .poll(() => sample(gateway, 'gateway_revoked_sessions'), { timeout: 2000, interval: 25 })
      .toBeGreaterThanOrEqual(3);
  });

  it('forgets a revocation once its tokens have expired', async () => {
    const sid = randomUUID();
    feed.revoke(sid, -1000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const response = await gateway.inject({
      url: '/user/profile',
      headers: bearer(accessToken({ sid })),
    });
    expect(response.statusCode).toBe(200);
  });
});

describe('before the feed has been read', () => {
  it('has read it by the time it is ready to listen, so a restart refuses no one', async () => {
    const auth = await echoUpstream();
    fakeFeed(auth);
    // Checked at once, long before a poll period: only the read made before listening counts.
    const app = await buildGateway(
      { ...upstreamEnv(auth.url), REVOCATION_POLL_MS: '4000' },
      { ready: false },
    );
    try {
      expect(app.revocations.synced).toBe(true);
      const response = await app.inject({ url: '/user/profile', headers: bearer(accessToken()) });
      expect(response.statusCode).toBe(200);
    } finally {
      await app.close();
      await auth.close();
    }
  });

  it('is not ready and answers 503 on authenticated routes, public ones still work', async () => {
    const auth = await echoUpstream();
    const authFeed = fakeFeed(auth);
    authFeed.failWith(503);
    const app = await buildGateway(
      { ...upstreamEnv(auth.url), REVOCATION_POLL_MS: '50' },
      { ready: false },
    );
    try {
      const ready = await app.inject({ url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ checks: { revocations: 'down' } });

      const refused = await app.inject({ url: '/user/profile', headers: bearer(accessToken()) });
      expect(refused.statusCode).toBe(503);
      expect(refused.json()).toMatchObject({ code: 'REVOCATIONS_UNAVAILABLE' });
      // One poll period, rounded up to a whole second.
      expect(refused.headers['retry-after']).toBe('1');
      const login = await app.inject({ method: 'POST', url: '/login', payload: {} });
      expect(login.statusCode).toBe(200);

      authFeed.failWith(null);
      await waitUntilReady(app, 3000);
      const accepted = await app.inject({ url: '/user/profile', headers: bearer(accessToken()) });
      expect(accepted.statusCode).toBe(200);
    } finally {
      await app.close();
      await auth.close();
    }
  });
});
