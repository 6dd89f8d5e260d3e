import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, MIN_REFETCH_MS, tokenHeader, type ServiceApp } from '@cloud-backend/shared';
import {
  TEST_JWT_SECRET,
  onTestDatabase,
  signTestToken,
  spawnTypeScript,
} from '@cloud-backend/shared/testing';
import { buildApp as buildAuth } from '../../auth-service/src/app.js';
import { configSchema as authConfig } from '../../auth-service/src/config.js';
import { readKeyFile } from '../../auth-service/src/domain/signing-keys.js';
import { rotateSigningKey } from '../../auth-service/src/signing-key-rotation.js';
import { buildApp as buildUser } from '../../user-service/src/app.js';
import { configSchema as userConfig } from '../../user-service/src/config.js';
import { buildGateway, INTERNAL_TOKEN, upstreamEnv } from './support/gateway.js';
import { listen } from './support/http.js';

// Access tokens signed by auth-service with a key of its key file, verified by the gateway and
// user-service with the key set auth-service publishes; the legacy HS256 window; rotation with
// the real command under traffic (docs/security.md#access-token-keys).

const ROTATE = new URL('../../auth-service/src/rotate-signing-key.ts', import.meta.url).pathname;
const migrations = (folder: string) => new URL(`../../${folder}/migrations/`, import.meta.url);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Jwks {
  keys: { kid: string; d?: string }[];
}

let dir: string;
let keyFile: string;
let auth: ServiceApp;
let user: ServiceApp;
let authUrl: string;
let userUrl: string;
const gateways: ServiceApp[] = [];

/** A gateway in front of the real auth-service and user-service, on a real port. */
async function gateway(env: Record<string, string> = {}): Promise<string> {
  const app = await buildGateway({
    ...upstreamEnv(userUrl),
    AUTH_SERVICE_URL: authUrl,
    JWKS_URL: `${authUrl}/.well-known/jwks.json`,
    JWT_SECRET: TEST_JWT_SECRET,
    ...env,
  });
  gateways.push(app);
  return listen(app);
}

async function call(base: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: () => JSON.parse(text) as Record<string, unknown>,
  };
}

const ACCOUNT = { email: 'keys@example.com', password: 'correct horse battery' };

interface Session {
  token: string;
  refresh_token: string;
  expires_in: number;
  user: { id: number };
}

/** Signs in at the gateway (`base`), or at auth-service itself without one. */
async function login(base = authUrl): Promise<Session> {
  const answer = await call(base, base === authUrl ? '/login' : '/auth/login', undefined, ACCOUNT);
  expect(answer.status).toBe(200);
  return answer.json() as unknown as Session;
}

const kidOf = (token: string) => tokenHeader(token)?.kid;

/** Waits until auth-service publishes exactly `kids` (it reads its key file every 100 ms). */
async function published(kids: (string | undefined)[]): Promise<void> {
  const want = [...kids].sort();
  for (let tries = 0; tries < 300; tries += 1) {
    const set = (await call(authUrl, '/.well-known/jwks.json')).json() as unknown as Jwks;
    if (JSON.stringify(set.keys.map((key) => key.kid).sort()) === JSON.stringify(want)) return;
    await sleep(50);
  }
  throw new Error(`auth-service never published ${want.join(', ')}`);
}

/**
 * Waits until auth-service signs with `kid`. After an activation the published set is the same
 * as before (the next key was already in it), so only a token says the file was read again.
 */
async function signingWith(kid: string | undefined): Promise<void> {
  for (let tries = 0; tries < 300; tries += 1) {
    if (kidOf((await login()).token) === kid) return;
    await sleep(50);
  }
  throw new Error(`auth-service never signed with ${String(kid)}`);
}

// The command reads the key file the test's auth-service reads (every 100 ms here; the
// command is told 1 s).
const ROTATION_ENV = { JWT_SIGNING_KEYS_RELOAD_MS: '1000' };

/** The rotation steps in-process, as the command runs them; resolves with what they printed. */
async function rotated(...args: string[]): Promise<string> {
  const lines: string[] = [];
  await rotateSigningKey(args, { ...ROTATION_ENV, JWT_SIGNING_KEYS_FILE: keyFile }, (line) =>
    lines.push(line),
  );
  return lines.join('\n');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signing-keys-'));
  keyFile = join(dir, 'signing-keys.json');
  // The legacy window is open for the whole file at auth-service and user-service; the gateways
  // below each get their own.
  const legacy = {
    JWT_SECRET: TEST_JWT_SECRET,
    LEGACY_HS256_UNTIL: new Date(Date.now() + 3_600_000).toISOString(),
  };
  auth = await onTestDatabase(
    'keys_auth',
    (url) =>
      buildAuth(
        loadConfig(authConfig, {
          NODE_ENV: 'test',
          ...legacy,
          DATABASE_URL: url,
          BCRYPT_COST: '4',
          ADDRESS_FAILURE_LIMIT: '1000000',
          INTERNAL_API_TOKEN: INTERNAL_TOKEN,
          JWT_SIGNING_KEYS_FILE: keyFile,
          JWT_SIGNING_KEYS_CREATE: 'true',
          JWT_SIGNING_KEYS_RELOAD_MS: '100',
        }),
        { logger: false },
      ),
    migrations('auth-service'),
  );
  authUrl = await listen(auth);
  user = await onTestDatabase(
    'keys_user',
    (url) =>
      buildUser(
        loadConfig(userConfig, {
          NODE_ENV: 'test',
          ...legacy,
          JWKS_URL: `${authUrl}/.well-known/jwks.json`,
          JWKS_REFRESH_MS: '1000',
          DATABASE_URL: url,
          USER_SYNC_INTERVAL_SECONDS: '0',
          INTERNAL_API_TOKEN: INTERNAL_TOKEN,
        }),
        { logger: false },
      ),
    migrations('user-service'),
  );
  userUrl = await listen(user);
  const register = await call(authUrl, '/register', undefined, {
    ...ACCOUNT,
    name: 'Key',
    surname: 'Holder',
  });
  expect(register.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await Promise.all(gateways.map((app) => app.close()));
  await Promise.all([user.close(), auth.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('access tokens signed with a published key', () => {
  it('are EdDSA with the kid of the key file, and the reply keeps its fields', async () => {
    const base = await gateway();
    const session = await login(base);
    const { keys } = await readKeyFile(keyFile);
    expect(keys).toHaveLength(1);
    expect(tokenHeader(session.token)).toMatchObject({ alg: 'EdDSA', kid: keys[0]?.kid });
    expect(Object.keys(session).sort()).toEqual([
      'access_token',
      'expires_in',
      'refresh_expires_in',
      'refresh_token',
      'token',
      'token_type',
      'user',
    ]);
    expect(session.expires_in).toBe(86_400);
    expect((await call(base, '/user/profile', session.token)).status).toBe(200);
    expect((await call(base, '/auth/me', session.token)).status).toBe(200);
  });

  it('publishes the public keys only, at auth-service and through the gateway', async () => {
    const base = await gateway();
    const direct = await call(authUrl, '/.well-known/jwks.json');
    const through = await call(base, '/.well-known/jwks.json');
    expect(through.status).toBe(200);
    expect(through.json()).toEqual(direct.json());
    const { keys } = through.json() as unknown as Jwks;
    expect(keys.map((key) => key.kid)).toEqual((await readKeyFile(keyFile)).keys.map((k) => k.kid));
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(key.d).toBeUndefined();
    }
    // Public: no token needed, and the route is in the public API document.
    const document = (await call(base, '/openapi.json')).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toContain('/.well-known/jwks.json');
  });

  it('verify at a service that holds no signing key, which refuses HS256 without a window', async () => {
    const strict = await onTestDatabase(
      'keys_user_strict',
      (url) =>
        buildUser(
          loadConfig(userConfig, {
            NODE_ENV: 'test',
            JWKS_URL: `${authUrl}/.well-known/jwks.json`,
            QR_SECRET: 'q'.repeat(32),
            DATABASE_URL: url,
            USER_SYNC_INTERVAL_SECONDS: '0',
          }),
          { logger: false },
        ),
      migrations('user-service'),
    );
    try {
      const session = await login();
      const profile = await strict.inject({
        url: '/profile',
        headers: { authorization: `Bearer ${session.token}` },
      });
      expect(profile.statusCode).toBe(200);
      const legacy = signTestToken(
        { user_id: session.user.id, email: ACCOUNT.email },
        { secret: TEST_JWT_SECRET },
      );
      const refused = await strict.inject({
        url: '/profile',
        headers: { authorization: `Bearer ${legacy}` },
      });
      expect(refused.statusCode).toBe(401);
    } finally {
      await strict.close();
    }
  });
});

describe('the legacy HS256 window', () => {
  /** A token of the old shared secret for the signed-in account's real session. */
  async function legacyToken(): Promise<string> {
    const session = await login();
    const claims = JSON.parse(
      Buffer.from(session.token.split('.')[1] ?? '', 'base64url').toString(),
    ) as Record<string, unknown>;
    return signTestToken(claims, { secret: TEST_JWT_SECRET });
  }

  it('accepts a token of the old secret before LEGACY_HS256_UNTIL, and refuses it after', async () => {
    const token = await legacyToken();
    expect(tokenHeader(token)?.alg).toBe('HS256');
    const open = await gateway({
      LEGACY_HS256_UNTIL: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect((await call(open, '/user/profile', token)).status).toBe(200);
    expect((await call(open, '/auth/me', token)).status).toBe(200);
    // The window has closed (the same token, still within its exp; shared/test/auth.test.ts
    // shows one accepted a moment earlier is not remembered past it).
    const closed = await gateway({ LEGACY_HS256_UNTIL: new Date(Date.now() - 1000).toISOString() });
    const after = await call(closed, '/user/profile', token);
    expect(after.status).toBe(401);
    expect(after.json()).toEqual({ error: 'Token non valido o mancante', code: 'JWT_INVALID' });
  });

  it('refuses HS256 without LEGACY_HS256_UNTIL, or without JWT_SECRET', async () => {
    const token = await legacyToken();
    const noWindow = await gateway();
    expect((await call(noWindow, '/user/profile', token)).status).toBe(401);
    const noSecret = await gateway({
      JWT_SECRET: '',
      LEGACY_HS256_UNTIL: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect((await call(noSecret, '/user/profile', token)).status).toBe(401);
  });
});

describe('when the key set cannot be read', () => {
  it('refuses every token with 503 SIGNING_KEYS_UNAVAILABLE, and public routes still work', async () => {
    // Nothing listens on port 1.
    const base = await gateway({ JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json' });
    const session = await login(base);
    const answer = await call(base, '/user/profile', session.token);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(answer.json()).toEqual({
      error: 'Access tokens cannot be checked right now; try again shortly',
      code: 'SIGNING_KEYS_UNAVAILABLE',
    });
    // A forged token fares no better, and an HS256 one outside a window is a plain 401.
    const forged = signTestToken({ user_id: session.user.id });
    expect((await call(base, '/user/profile', forged)).status).toBe(503);
    const legacy = signTestToken({}, { secret: TEST_JWT_SECRET });
    expect((await call(base, '/user/profile', legacy)).status).toBe(401);
  });

  it('refuses a kid it does not hold with 401 while the set it read is current', async () => {
    const base = await gateway();
    const session = await login(base);
    expect((await call(base, '/user/profile', session.token)).status).toBe(200);
    // The test run's key (another key pair, another kid): not one auth-service publishes.
    const foreign = signTestToken({ user_id: session.user.id });
    expect((await call(base, '/user/profile', foreign)).status).toBe(401);
  });
});

describe('rotation', () => {
  it('a kid published after the gateway read the set is fetched at once and accepted', async () => {
    // The gateway would not read the set again for an hour on its own.
    const base = await gateway({ JWKS_REFRESH_MS: '3600000' });
    const before = await login(base);
    expect((await call(base, '/user/profile', before.token)).status).toBe(200);
    // The gateway's last read of the set was at the latest now; an unknown kid makes it read
    // again only MIN_REFETCH_MS after that (forged kids must not make it hammer auth-service).
    const lastRead = Date.now();
    const oldKid = kidOf(before.token) as string;

    // The real command once (npm run rotate-signing-key runs this file); then in-process.
    const command = spawnTypeScript(
      ROTATE,
      { ...ROTATION_ENV, JWT_SIGNING_KEYS_FILE: keyFile },
      { args: ['publish', '--publish-wait', '0'] },
    );
    expect(await command.exited, command.output()).toBe(0);
    expect(command.output()).toMatch(/^published \S+ \(EdDSA\); it may start signing at /);
    await rotated('activate');
    const { keys } = await readKeyFile(keyFile);
    const newKid = keys.find((key) => key.state === 'active')?.kid;
    expect(newKid).not.toBe(oldKid);
    await published([newKid, oldKid]);
    await signingWith(newKid);

    const after = await login(base);
    expect(kidOf(after.token)).toBe(newKid);
    const sinceLastRead = Date.now() - lastRead;
    if (sinceLastRead < MIN_REFETCH_MS) await sleep(MIN_REFETCH_MS - sinceLastRead);
    expect((await call(base, '/user/profile', after.token)).status).toBe(200);
    // The old key is still published (retiring): its tokens are still good.
    expect((await call(base, '/user/profile', before.token)).status).toBe(200);
    expect(await rotated('retire', '--force')).toContain(`removed ${oldKid}`);
    await published([newKid]);
  }, 180_000);

  it('under traffic: no valid session refused while the command runs every step', async () => {
    // The gateway reads the set every second; the command waits longer than that before the
    // new key signs, then for a token's lifetime before removing the old key. The client below
    // treats its token as expired after a second and refreshes it, as a client does at
    // expires_in; the command is told tokens live 5 s, which covers a slow request or two on a
    // busy machine.
    const base = await gateway({ JWKS_REFRESH_MS: '1000' });
    let session = await login(base);
    let issued = Date.now();
    const firstKid = kidOf(session.token);
    const statuses = new Map<number, number>();
    const refused: string[] = [];
    const kids = new Set<string>();
    const load = { running: true };
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);

    const traffic = (async () => {
      while (load.running) {
        if (Date.now() - issued >= 1000) {
          const refreshed = await call(base, '/auth/refresh', undefined, {
            refresh_token: session.refresh_token,
          }).catch(() => undefined);
          count(refreshed?.status ?? 0);
          if (refreshed?.status === 200) {
            session = refreshed.json() as unknown as Session;
            issued = Date.now();
          }
        }
        kids.add(kidOf(session.token) as string);
        for (const path of ['/user/profile', '/auth/me']) {
          const answer = await call(base, path, session.token).catch(() => ({ status: 0 }));
          count(answer.status);
          if (answer.status !== 200) {
            refused.push(`${path} ${answer.status} kid ${kidOf(session.token) as string}`);
          }
        }
        // A steady client rather than a flood: a few hundred requests across the rotation,
        // without taking a core from the rest of the test run for its 11 s.
        await sleep(20);
      }
    })();

    // Longer than the gateway's and user-service's effective refresh (JWKS_REFRESH_MS, but at
    // most one read per 5 s), as the command's default is.
    const output = await rotated(
      'all',
      '--publish-wait',
      '6',
      '--access-token-ttl',
      '5',
      '--margin',
      '0',
    ).finally(() => {
      load.running = false;
    });
    await traffic;

    expect(output).toMatch(/published .+\n(.|\n)*signs new tokens(.|\n)*removed /);
    const { keys } = await readKeyFile(keyFile);
    expect(keys).toHaveLength(1);
    const lastKid = keys[0]?.kid;
    expect(lastKid).not.toBe(firstKid);
    await published([lastKid]);
    // Both keys were used, and every request was answered 200.
    expect(kids).toEqual(new Set([firstKid, lastKid]));
    expect(refused, output).toEqual([]);
    expect([...statuses.keys()]).toEqual([200]);
    expect(statuses.get(200)).toBeGreaterThan(10);
    expect((await call(base, '/user/profile', session.token)).status).toBe(200);
  }, 180_000);
});
