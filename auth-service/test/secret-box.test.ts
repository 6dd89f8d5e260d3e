import { describe, expect, it } from 'vitest';
import { SecretBox, secretBoxFor } from '../src/domain/secret-box.js';

describe('TOTP secrets at rest', () => {
  const box = new SecretBox('a key of at least thirty-two characters');

  it('seals a secret so that only the same key and account open it', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 7);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed, 7)).toBe('JBSWY3DPEHPK3PXP');
    // Copied onto another account's row, or read with another key: nothing.
    expect(box.open(sealed, 8)).toBeNull();
    expect(new SecretBox('another key of at least thirty-two chars').open(sealed, 7)).toBeNull();
    expect(box.open('v1.garbage', 7)).toBeNull();
    // A fresh nonce each time.
    expect(box.seal('JBSWY3DPEHPK3PXP', 7)).not.toBe(sealed);
  });

  it('production without MFA_ENCRYPTION_KEY: none, and ADMIN_MFA_REQUIRED refuses to start', () => {
    const production = { NODE_ENV: 'production', ADMIN_MFA_REQUIRED: false };
    expect(secretBoxFor(production)).toBeNull();
    expect(() => secretBoxFor({ ...production, ADMIN_MFA_REQUIRED: true })).toThrow(
      /ADMIN_MFA_REQUIRED=true needs MFA_ENCRYPTION_KEY/,
    );
    expect(secretBoxFor({ ...production, MFA_ENCRYPTION_KEY: 'k'.repeat(32) })).toBeInstanceOf(
      SecretBox,
    );
    expect(secretBoxFor({ NODE_ENV: 'development', ADMIN_MFA_REQUIRED: true })).toBeInstanceOf(
      SecretBox,
    );
  });
});
