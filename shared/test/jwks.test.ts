import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  KeysUnavailableError,
  RemoteKeySet,
  StaticKeySet,
  type JwkSet,
  type ServiceApp,
} from '../src/index.js';
import { TEST_JWKS, TEST_JWT_SECRET, signTestToken } from '../src/testing/index.js';
import { testApp } from './helpers.js';

// The key set a verifier reads from auth-service (jwks.ts), against a real HTTP server whose
// answer the tests change, and the legacy window's end (auth.ts).

let served: JwkSet | undefined = TEST_JWKS;
let reads = 0;
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((_request, response) => {
    reads += 1;
    if (served === undefined) response.writeHead(500).end('{}');
    else
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  served = TEST_JWKS;
  vi.useRealTimers();
});

const KID = TEST_JWKS.keys[0]?.kid ?? '';

function keySet(clock: { now: number }) {
  return new RemoteKeySet({
    url,
    refreshMs: 60_000,
    maxStalenessMs: 600_000,
    minRefetchMs: 5_000,
    timeoutMs: 5_000,
    now: () => clock.now,
  });
}

describe('a remote key set', () => {
  it('reads the set on first use, then answers from memory', async () => {
    const clock = { now: 1_000_000 };
    const keys = keySet(clock);
    const before = reads;
    expect(await keys.lookup(KID)).toBeTypeOf('function');
    expect(keys.lookup(KID)).toBeTypeOf('function');
    expect(reads - before).toBe(1);
  });

  it('reads again for an unknown kid, at most once per minRefetchMs', async () => {
    const clock = { now: 1_000_000 };
    const keys = keySet(clock);
    await keys.lookup(KID);
    const before = reads;
    // A burst of forged kids moments after a read: none makes another.
    expect(await keys.lookup('forged-1')).toBeUndefined();
    clock.now += 1000;
    for (let i = 0; i < 20; i += 1) expect(await keys.lookup(`forged-${i}`)).toBeUndefined();
    expect(reads - before).toBe(0);
    // Once the quiet period is over, one read; then quiet again.
    clock.now += 5000;
    expect(await keys.lookup('forged-x')).toBeUndefined();
    for (let i = 0; i < 20; i += 1) expect(await keys.lookup(`forged-${i}`)).toBeUndefined();
    expect(reads - before).toBe(1);
  });

  it('keeps the last set through a failed read, then fails closed once it is too old', async () => {
    const clock = { now: 1_000_000 };
    const keys = keySet(clock);
    await keys.lookup(KID);
    served = undefined;
    clock.now += 120_000; // older than refreshMs: read again in the background, which fails
    expect(keys.lookup(KID)).toBeTypeOf('function');
    clock.now += 10_000;
    // An unknown kid now cannot be told from a new key: unavailable, not "invalid".
    await expect(Promise.resolve().then(() => keys.lookup('new-kid'))).rejects.toBeInstanceOf(
      KeysUnavailableError,
    );
    clock.now += 600_000;
    await expect(Promise.resolve().then(() => keys.lookup(KID))).rejects.toBeInstanceOf(
      KeysUnavailableError,
    );
    expect(keys.current).toBe(false);
    served = TEST_JWKS;
    clock.now += 10_000;
    expect(await keys.lookup(KID)).toBeTypeOf('function');
    expect(keys.current).toBe(true);
  });

  it('refuses a set without a usable key', async () => {
    served = { keys: [{ ...TEST_JWKS.keys[0], alg: 'RS256' } as never] };
    const keys = keySet({ now: 1_000_000 });
    await expect(Promise.resolve().then(() => keys.lookup(KID))).rejects.toBeInstanceOf(
      KeysUnavailableError,
    );
  });
});

describe('the legacy window', () => {
  let app: ServiceApp;
  const until = Date.now() + 3_600_000;

  beforeAll(async () => {
    app = await testApp({
      auth: {
        keys: new StaticKeySet(TEST_JWKS),
        legacy: { secret: TEST_JWT_SECRET, until: new Date(until) },
      },
    });
    app.get('/me', { preHandler: app.authenticate }, async (request) => ({
      id: request.user.user_id,
    }));
    await app.ready();
  });
  afterAll(() => app.close());

  const me = (token: string) =>
    app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } });

  it('ends at LEGACY_HS256_UNTIL even for a token accepted just before', async () => {
    const legacy = signTestToken(
      { user_id: 3 },
      { secret: TEST_JWT_SECRET, expiresInSeconds: 7200 },
    );
    const current = signTestToken({ user_id: 4 }, { expiresInSeconds: 7200 });
    expect((await me(legacy)).statusCode).toBe(200);
    expect((await me(current)).statusCode).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(until + 1000);
    expect((await me(legacy)).statusCode).toBe(401);
    expect((await me(current)).statusCode).toBe(200);
  });

  it('never takes an HS256 token signed with another secret', async () => {
    const forged = signTestToken({}, { secret: 'another-secret-that-is-32-bytes-long!' });
    expect((await me(forged)).statusCode).toBe(401);
  });
});
