import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createSigner } from 'fast-jwt';
import type { AccessTokenClaims } from '../auth.js';
import { jwkThumbprint, publicJwk, type JwkSet, type PublicJwk } from '../jwks.js';

/** The old shared HS256 secret: legacy-window tests, and tokens signed with "another key". */
export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long';

/**
 * The Ed25519 key test apps sign access tokens with: auth-service's test configuration holds it
 * (TEST_SIGNING_KEYS_FILE), and every verifier under test trusts it through testJwksUrl(). Public and
 * for tests only, like TEST_JWT_SECRET.
 */
export const TEST_SIGNING_KEY = {
  kty: 'OKP',
  crv: 'Ed25519',
  x: 'CseEw4kFS5l1yNDFj0U1Bae7koPdejFSbE6Qh_DgoMU',
  d: 'YaVguNBGPKtiXJSHkqEv5VGUeIM1Iy6c9gp9ksbiG7Y',
  kid: 'G0T8TYIDDQPlCI8BhU74WUbwYzDRUX1xjLt5iksgX9Q',
  alg: 'EdDSA',
  use: 'sig',
  state: 'active',
} as const satisfies PublicJwk & { d: string; state: string };

/** auth-service's JWT_SIGNING_KEYS_FILE in tests: TEST_SIGNING_KEY as the active key. */
export const TEST_SIGNING_KEYS_FILE = fileURLToPath(
  new URL('./test-signing-keys.json', import.meta.url),
);

let ownKeysFile: string | undefined;
let ownSigner: ((claims: Record<string, unknown>) => string) | undefined;

/**
 * A key file holding one new Ed25519 key, made once per test process in a temporary folder
 * (removed when the process exits): for auth-services started as in production, which refuse
 * TEST_SIGNING_KEYS_FILE's published key. Their tokens verify at services that read that
 * auth-service's own JWKS, not at testJwksUrl().
 */
export function ownSigningKeysFile(): string {
  if (ownKeysFile !== undefined) return ownKeysFile;
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  const key = { kty: 'OKP' as const, crv: 'Ed25519' as const, x: jwk.x ?? '' };
  const dir = mkdtempSync(join(tmpdir(), 'own-signing-keys-'));
  const path = join(dir, 'signing-keys.json');
  const stored = { ...key, d: jwk.d, kid: jwkThumbprint(key), alg: 'EdDSA', use: 'sig' };
  writeFileSync(path, JSON.stringify({ keys: [{ ...stored, state: 'active' }] }), {
    mode: 0o600,
  });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  ownKeysFile = path;
  ownSigner = ed25519Signer({ x: key.x, d: jwk.d ?? '', kid: stored.kid });
  return path;
}

/** The public set verifiers under test are given. */
export const TEST_JWKS: JwkSet = { keys: [publicJwk(TEST_SIGNING_KEY)] };

/** An EdDSA access-token signer for an Ed25519 private key given as JWK parts. */
function ed25519Signer(key: { x: string; d: string; kid: string }) {
  const pem = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: key.x, d: key.d },
    format: 'jwk',
  })
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();
  return createSigner({ key: pem, algorithm: 'EdDSA', kid: key.kid });
}

const testSigner = ed25519Signer(TEST_SIGNING_KEY);

/**
 * A JWKS server holding TEST_JWKS, on loopback (the global setup starts one per test run; each
 * test file reads its URL with testJwksUrl()). Resolves with its URL and a stop function.
 */
export function startTestJwksServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(TEST_JWKS);
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
        stop: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * An access token as auth-service issues it, for tests of services that verify one: EdDSA with
 * the test key (or, with `ownKey`, the key of ownSigningKeysFile()), or HS256 with `secret` (a
 * token of the old shared secret, or of a wrong key).
 */
export function signTestToken(
  // typ is open so tests can forge the wrong kind of token (a QR token, say).
  claims: Omit<Partial<AccessTokenClaims>, 'typ'> & Record<string, unknown> = {},
  options: { secret?: string; ownKey?: boolean; expiresInSeconds?: number } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  if (options.ownKey) ownSigningKeysFile();
  const sign =
    options.secret !== undefined
      ? createSigner({ key: options.secret, algorithm: 'HS256' })
      : options.ownKey && ownSigner
        ? ownSigner
        : testSigner;
  return sign({
    user_id: 1,
    email: 'user@example.com',
    role: 'user',
    name: 'Test',
    surname: 'User',
    identifier: 'user@example.com',
    typ: 'access',
    iat: now,
    exp: now + (options.expiresInSeconds ?? 3600),
    ...claims,
  });
}

/** A token of the old shared secret (the legacy window's tests). */
export function signLegacyTestToken(
  claims: Omit<Partial<AccessTokenClaims>, 'typ'> & Record<string, unknown> = {},
  options: { expiresInSeconds?: number } = {},
): string {
  return signTestToken(claims, { ...options, secret: TEST_JWT_SECRET });
}
