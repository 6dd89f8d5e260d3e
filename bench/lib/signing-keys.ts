import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Access-token keys for a benchmark's processes, as in production
 * (docs/security.md#access-token-keys): auth-service creates its signing key in a throwaway
 * folder on its first start; every other service verifies with the set auth-service publishes.
 */
export interface BenchSigningKeys {
  /** auth-service's settings: its key file, created on start. */
  authEnv: Record<string, string>;
  /** A verifier's JWKS_URL for the auth-service at `authUrl`. */
  jwksUrl(authUrl: string): string;
  /** Removes the key file and its folder. */
  remove(): Promise<void>;
}

export async function benchSigningKeys(): Promise<BenchSigningKeys> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-signing-keys-'));
  return {
    authEnv: {
      JWT_SIGNING_KEYS_FILE: join(dir, 'signing-keys.json'),
      JWT_SIGNING_KEYS_CREATE: 'true',
    },
    jwksUrl: (authUrl) => `${authUrl}/.well-known/jwks.json`,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
