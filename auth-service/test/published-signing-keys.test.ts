import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SIGNING_KEY, TEST_SIGNING_KEYS_FILE } from '@cloud-backend/shared/testing';
import { openSigningKeys } from '../src/signing-keys-plugin.js';

// A key the repository publishes signs nothing in production, as a published development
// secret configures nothing there (docs/security.md#access-token-keys).

const settings = {
  JWT_SIGNING_KEYS_CREATE: false,
  JWT_SIGNING_ALGORITHM: 'EdDSA' as const,
  JWT_SIGNING_KEYS_RELOAD_MS: 10_000,
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'published-keys-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a published signing key', () => {
  it('is refused in production with one line naming the setting and the key', async () => {
    const opened = openSigningKeys({
      ...settings,
      NODE_ENV: 'production',
      ALLOW_PUBLIC_SECRETS: false,
      JWT_SIGNING_KEYS_FILE: TEST_SIGNING_KEYS_FILE,
    });
    await expect(opened).rejects.toThrow(
      `JWT_SIGNING_KEYS_FILE holds ${TEST_SIGNING_KEY.kid}, a published development key, ` +
        'refused in production; create a key of your own (npm run rotate-signing-key)',
    );
  });

  it('is used in development, and in production where ALLOW_PUBLIC_SECRETS says so', async () => {
    for (const [NODE_ENV, ALLOW_PUBLIC_SECRETS] of [
      ['development', false],
      ['test', false],
      ['production', true],
    ] as const) {
      const keys = await openSigningKeys({
        ...settings,
        NODE_ENV,
        ALLOW_PUBLIC_SECRETS,
        JWT_SIGNING_KEYS_FILE: TEST_SIGNING_KEYS_FILE,
      });
      expect(keys.activeKid).toBe(TEST_SIGNING_KEY.kid);
    }
  });

  it('leaves a production auth-service that creates a key of its own alone', async () => {
    const keys = await openSigningKeys({
      ...settings,
      NODE_ENV: 'production',
      ALLOW_PUBLIC_SECRETS: false,
      JWT_SIGNING_KEYS_FILE: join(dir, 'signing-keys.json'),
      JWT_SIGNING_KEYS_CREATE: true,
    });
    expect(keys.activeKid).not.toBe(TEST_SIGNING_KEY.kid);
    expect(keys.published.keys.map((key) => key.kid)).toEqual([keys.activeKid]);
  });
});
