import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { TEST_JWT_SECRET } from '@cloud-backend/shared/testing';
import { deriveQrKey } from '../../user-service/src/qr/qr-token.js';
import { echoUpstream, type EchoUpstream } from './support/echo-upstream.js';
import { fakeFeed } from './support/fake-feed.js';
import { accessToken, bearer, buildGateway, upstreamEnv } from './support/gateway.js';
import { exchangeBytes, listen, send } from './support/http.js';

// The attack list of the security review, beyond what tokens.test.ts already refuses (alg
// none, HS512, a wrong key, expired, no exp, typ attendance_qr, no typ, no sid, a string
// user_id, no role, a tampered payload, garbage, no header, Basic, "Bearer "). Every refusal
// must be the original gateway's body (docs/compatibility.md#gateway-errors), never a 5xx.
const JWT_INVALID = { error: 'Token non valido o mancante', code: 'JWT_INVALID' };
const ADMIN_REQUIRED = { error: 'Access denied. Admin role required.', code: 'ADMIN_REQUIRED' };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
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
  ...extra,
});

/** A JWS over any header, HMAC-SHA256 with any key (fast-jwt would refuse some of these). */
function hs256(header: Record<string, unknown>, payload: unknown, key: string | Buffer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const privatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const REFUSED: [string, () => string][] = [
  // alg none, in the spellings and shapes that slipped past other libraries.
  ['alg "None"', () => `${b64({ alg: 'None', typ: 'JWT' })}.${b64(claims())}.`],
  ['alg "NONE"', () => `${b64({ alg: 'NONE' })}.${b64(claims())}.`],
  [
    'alg none with a valid HS256 signature appended',
    () => {
      const signature = accessToken().split('.')[2] ?? '';
      return `${b64({ alg: 'none' })}.${b64(claims())}.${signature}`;
    },
  ],
  ['no alg at all', () => hs256({ typ: 'JWT' }, claims(), TEST_JWT_SECRET)],
  ['alg HS256 with an empty signature', () => `${b64({ alg: 'HS256' })}.${b64(claims())}.`],
  // HS/RS confusion.
  [
    'RS256 signed with an RSA key',
    () => createSigner({ key: privatePem, algorithm: 'RS256' })(claims()),
  ],
  [
    'HS256 with the RSA public key PEM as the secret',
    () => hs256({ alg: 'HS256', typ: 'JWT' }, claims(), publicPem),
  ],
  [
    'RS256 header, HMAC signature with the public key PEM',
    () => hs256({ alg: 'RS256', typ: 'JWT' }, claims(), publicPem),
  ],
  [
    'ES256 signed with an EC key',
    () =>
      createSigner({
        key: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        algorithm: 'ES256',
      })(claims()),
  ],
  [
    'an embedded jwk naming the attacker’s own key',
    () =>
      hs256(
        { alg: 'HS256', jwk: { kty: 'oct', k: Buffer.from('attacker').toString('base64url') } },
        claims(),
        'attacker',
      ),
  ],
  // Wrong keys.
  ['an empty HMAC key', () => hs256({ alg: 'HS256' }, claims(), '')],
  ['a prefix of the secret', () => hs256({ alg: 'HS256' }, claims(), TEST_JWT_SECRET.slice(0, 32))],
  ['the secret with one more byte', () => hs256({ alg: 'HS256' }, claims(), `${TEST_JWT_SECRET}x`)],
  // Expiry, at and around the limits.
  ['exp equal to now', () => accessToken({ exp: now(), iat: now() - 60 })],
  ['exp 0', () => accessToken({ exp: 0 })],
  [
    'exp as a numeric string',
    () => hs256({ alg: 'HS256' }, claims({ exp: String(now() + 3600) }), TEST_JWT_SECRET),
  ],
  ['exp null', () => accessToken({ exp: null })],
  ['nbf an hour ahead', () => accessToken({ nbf: now() + 3600 })],
  // QR tokens: a real one (user-service's derived key), and a QR-shaped one with typ access.
  [
    'a QR token as user-service issues it',
    () =>
      createSigner({ key: deriveQrKey(TEST_JWT_SECRET, undefined), algorithm: 'HS256' })({
        event_id: 'fuzz-event',
        event_name: 'Event',
        date: '2025-06-22',
        created_by: 1,
        iss: 'attendance-system',
        sub: 'fuzz-event',
        exp: now() + 3600,
        iat: now(),
        typ: 'attendance_qr',
        eid: 1,
      }),
  ],
  [
    'QR claims relabelled typ access, signed with the QR key',
    () => hs256({ alg: 'HS256' }, claims(), deriveQrKey(TEST_JWT_SECRET, undefined)),
  ],
  // Wrong typ.
  ['typ "ACCESS"', () => accessToken({ typ: 'ACCESS' })],
  ['typ "access " with a trailing space', () => accessToken({ typ: 'access ' })],
  ['typ ["access"]', () => accessToken({ typ: ['access'] })],
  // Claims of the wrong type, signed with the right key.
  ['sid a number', () => accessToken({ sid: 12345 })],
  ['sid an object', () => accessToken({ sid: { id: randomUUID() } })],
  ['sid null', () => accessToken({ sid: null })],
  ['role ["admin"]', () => accessToken({ role: ['admin'] })],
  ['email a number', () => accessToken({ email: 42 })],
  ['user_id 1.5', () => accessToken({ user_id: 1.5 })],
  ['user_id beyond 2^53', () => accessToken({ user_id: 2 ** 60 })],
  ['user_id true', () => accessToken({ user_id: true })],
  ['a JSON array as the payload', () => hs256({ alg: 'HS256' }, [claims()], TEST_JWT_SECRET)],
  ['the JSON null as the payload', () => hs256({ alg: 'HS256' }, null, TEST_JWT_SECRET)],
];

let upstream: EchoUpstream;
let gateway: ServiceApp;
let base: string;

beforeAll(async () => {
  upstream = await echoUpstream();
  fakeFeed(upstream);
  gateway = await buildGateway({ ...upstreamEnv(upstream.url), REVOCATION_POLL_MS: '50' });
  base = await listen(gateway);
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const profile = (headers: Record<string, string | string[]>) =>
  send(base, { path: '/user/profile', headers });

/** Bytes written as they are, for what an HTTP client library refuses to send. */
async function raw(request: string): Promise<{ status: number; type: string; body: string }> {
  const text = await exchangeBytes(base, request);
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const type = /^content-type:\s*(.*)$/im.exec(head)?.[1] ?? '';
  return { status: Number(head.split(' ')[1]), type, body };
}
const rawGet = (authorization: string) =>
  raw(
    `GET /user/profile HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\nConnection: close\r\n\r\n`,
  );

describe('forged and malformed tokens', () => {
  it.each(REFUSED)('refuses %s with the original 401', async (_reason, make) => {
    const answer = await profile(bearer(make()));
    expect(answer.status).toBe(401);
    expect(answer.json()).toEqual(JWT_INVALID);
    expect(answer.headers['www-authenticate']).toBe('Bearer');
  });

  it('refuses a forged admin token on an admin route with 401, not 403', async () => {
    const forged = hs256({ alg: 'HS256' }, claims({ role: 'admin' }), publicPem);
    const answer = await send(base, { path: '/user/users', headers: bearer(forged) });
    expect(answer.status).toBe(401);
    expect(answer.json()).toEqual(JWT_INVALID);
    const user = await send(base, { path: '/user/users', headers: bearer(accessToken()) });
    expect(user.status).toBe(403);
    expect(user.json()).toEqual(ADMIN_REQUIRED);
  });
});

describe('oversized tokens', () => {
  it('accepts a large token within the header limit', async () => {
    const answer = await profile(bearer(accessToken({ padding: 'x'.repeat(8 * 1024) })));
    expect(answer.status).toBe(200);
  });

  it.each([16, 100])('answers a %i KB token with 431 JSON, never a 5xx', async (kb) => {
    const answer = await profile(bearer(accessToken({ padding: 'x'.repeat(kb * 1024) })));
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.json()).toEqual({
      error: 'Request Header Fields Too Large',
      code: 'HEADERS_TOO_LARGE',
    });
  });
});

describe('the Authorization header itself', () => {
  it.each([
    ['"Bearer" with no token', 'Bearer'],
    ['two spaces after Bearer', `Bearer  ${accessToken()}`],
    ['a tab after Bearer', `Bearer\t${accessToken()}`],
    ['two tokens', `Bearer ${accessToken()} ${accessToken()}`],
    ['two credentials in one header', `Bearer ${accessToken()}, Bearer ${accessToken()}`],
    ['the token alone', accessToken()],
    ['a token scheme', `Token ${accessToken()}`],
    ['bytes beyond ASCII', 'Bearer \u00ff\u00fe.\u00e9.x'],
  ])('refuses %s', async (_reason, authorization) => {
    const answer = await rawGet(authorization);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toEqual(JWT_INVALID);
  });

  // RFC 9110 §11.1: the scheme is case-insensitive, and whitespace around a value is not part
  // of it; these are a valid token, sent by clients that exist.
  it.each([
    ['lowercase "bearer"', (token: string) => `bearer ${token}`],
    ['uppercase "BEARER"', (token: string) => `BEARER ${token}`],
    ['spaces around the value', (token: string) => `   Bearer ${token}   `],
  ])('accepts %s', async (_reason, write) => {
    expect((await rawGet(write(accessToken()))).status).toBe(200);
  });

  it.each([
    ['a CR inside the value', (token: string) => `Bearer ${token}\rX-User-Role: admin`],
    ['a LF inside the value', (token: string) => `Bearer ${token}\nX-User-Role: admin`],
    ['a NUL inside the value', (token: string) => `Bearer ${token}\u0000`],
    ['a folded continuation line', (token: string) => `Bearer\r\n ${token}`],
  ])('answers %s with a JSON 400', async (_reason, write) => {
    const answer = await rawGet(write(accessToken({ role: 'user' })));
    expect(answer.status).toBe(400);
    expect(answer.type).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('never lets an injected line carry identity: X-User-* from the client is dropped', async () => {
    const forged = hs256({ alg: 'HS256' }, claims(), 'wrong key');
    const answer = await raw(
      `GET /user/profile HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${forged}\r\n` +
        `X-User-Role: admin\r\nX-User-Id: 1\r\nConnection: close\r\n\r\n`,
    );
    expect(answer.status).toBe(401);
    const user = accessToken({ user_id: 7 });
    const accepted = await profile({ ...bearer(user), 'x-user-role': 'admin', 'x-user-id': '1' });
    expect(accepted.status).toBe(200);
    expect(upstream.last('/profile')?.headers).toMatchObject({
      'x-user-id': '7',
      'x-user-role': 'user',
    });
  });

  it('checks and forwards the same credential when Authorization is repeated', async () => {
    const valid = accessToken({ user_id: 11 });
    const forged = hs256({ alg: 'HS256' }, claims({ user_id: 12, role: 'admin' }), 'wrong key');
    const refused = await profile({ authorization: [`Bearer ${forged}`, `Bearer ${valid}`] });
    expect(refused.status).toBe(401);
    expect(refused.json()).toEqual(JWT_INVALID);

    // Node keeps the first and drops the rest: the upstream sees that one only.
    const accepted = await profile({ authorization: [`Bearer ${valid}`, `Bearer ${forged}`] });
    expect(accepted.status).toBe(200);
    const seen = upstream.last('/profile')?.headers;
    expect(seen?.authorization).toBe(`Bearer ${valid}`);
    expect(seen?.['x-user-id']).toBe('11');
  });

  it('takes the token from the Authorization header only', async () => {
    const token = accessToken();
    for (const [path, headers] of [
      [`/user/profile?token=${token}`, {}],
      ['/user/profile', { cookie: `token=${token}; access_token=${token}` }],
      ['/user/profile', { 'x-access-token': token }],
    ] as const) {
      const answer = await send(base, { path, headers });
      expect(answer.status, path).toBe(401);
      expect(answer.json()).toEqual(JWT_INVALID);
    }
  });
});
