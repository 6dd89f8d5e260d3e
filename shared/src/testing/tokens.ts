import { createSigner } from 'fast-jwt';
import type { AccessTokenClaims } from '../auth.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long';

/** An access token as auth-service issues it, for tests of services that verify one. */
export function signTestToken(
  // typ is open so tests can forge the wrong kind of token (a QR token, say).
  claims: Omit<Partial<AccessTokenClaims>, 'typ'> & Record<string, unknown> = {},
  options: { secret?: string; expiresInSeconds?: number } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const signer = createSigner({ key: options.secret ?? TEST_JWT_SECRET, algorithm: 'HS256' });
  return signer({
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
