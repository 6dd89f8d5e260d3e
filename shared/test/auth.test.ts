import { generateKeyPairSync } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticKeySet, type ServiceApp } from '../src/index.js';
import { TEST_JWKS, signTestToken } from '../src/testing/index.js';
import { testApp } from './helpers.js';

const UNAUTHORIZED = { error: 'Token non valido o mancante', code: 'JWT_INVALID' };
const FORBIDDEN = { error: 'Admin access required', code: 'ADMIN_REQUIRED' };
const outcomes: boolean[] = [];
let app: ServiceApp;

beforeAll(async () => {
  app = await testApp({
    auth: {
      keys: new StaticKeySet(TEST_JWKS),
      unauthorized: UNAUTHORIZED,
      forbidden: FORBIDDEN,
      onVerify: (ok) => outcomes.push(ok),
    },
  });
  app.get('/me', { preHandler: app.authenticate }, async (request) => ({
    id: request.user.user_id,
  }));
  app.get('/admin/thing', { preHandler: [app.authenticate, app.requireAdmin] }, async () => ({
    admin: true,
  }));
  await app.ready();
});
afterAll(() => app.close());

const call = (url: string, token?: string) =>
  app.inject({ url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
const now = () => Math.floor(Date.now() / 1000);

describe('access-token verification', () => {
  it('accepts a valid access token and exposes its claims', async () => {
    const response = await call('/me', signTestToken({ user_id: 7 }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 7 });
    expect(outcomes.at(-1)).toBe(true);
  });

  const rejected: [string, () => string | undefined][] = [
    ['no token', () => undefined],
    ['garbage', () => 'not.a.jwt'],
    ['an expired token', () => signTestToken({}, { expiresInSeconds: -10 })],
    ['a token without exp', () => signTestToken({ exp: undefined })],
    ['a token without typ', () => signTestToken({ typ: undefined })],
    ['a QR token', () => signTestToken({ typ: 'attendance_qr' })],
    ['a refresh token', () => signTestToken({ typ: 'refresh' })],
    ['a token signed with another key', () => signTestToken({}, { secret: 'x'.repeat(40) })],
    [
      'a token with a non-numeric user_id',
      () => signTestToken({ user_id: '7' as unknown as number }),
    ],
    [
      'alg none',
      () => {
        const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString(
          'base64url',
        );
        const payload = Buffer.from(
          JSON.stringify({ user_id: 1, role: 'admin', typ: 'access', exp: now() + 60 }),
        ).toString('base64url');
        return `${header}.${payload}.`;
      },
    ],
    [
      'RS256 (algorithm confusion)',
      () => {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const sign = createSigner({
          key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          algorithm: 'RS256',
        });
        return sign({ user_id: 1, role: 'admin', typ: 'access', exp: now() + 60 });
      },
    ],
  ];

  it.each(rejected)('rejects %s with the configured 401 body', async (_name, token) => {
    const response = await call('/me', token());
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(UNAUTHORIZED);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(outcomes.at(-1)).toBe(false);
  });

  it('lets an admin through requireAdmin and answers 403 to anyone else', async () => {
    expect((await call('/admin/thing', signTestToken({ role: 'admin' }))).statusCode).toBe(200);
    const user = await call('/admin/thing', signTestToken({ role: 'user' }));
    expect(user.statusCode).toBe(403);
    expect(user.json()).toEqual(FORBIDDEN);
    expect((await call('/admin/thing')).statusCode).toBe(401);
  });
});
