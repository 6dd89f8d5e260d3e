import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Encryption at rest of TOTP secrets (docs/security.md, "Two-step sign-in"): AES-256-GCM under
 * a key made from MFA_ENCRYPTION_KEY by SHA-256, a random 96-bit nonce per secret, and the
 * account's id as associated data, so a secret copied onto another account's row does not
 * decrypt. A database dump alone therefore holds no usable secret.
 */
const VERSION = 'v1';

// Used only outside production when MFA_ENCRYPTION_KEY is unset: published, so it protects
// nothing, and production refuses to start without a key of its own.
const DEVELOPMENT_KEY = 'development-only-mfa-encryption-key-0123456789';

export class SecretBox {
  private readonly key: Buffer;

  constructor(setting: string) {
    this.key = createHash('sha256').update(setting).digest();
  }

  seal(plain: string, userId: number): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(String(userId)));
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, nonce, cipher.getAuthTag(), sealed]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** The plain text, or null when it was sealed under another key or altered. */
  open(sealed: string, userId: number): string | null {
    const [version, nonce, tag, body] = sealed.split('.');
    if (version !== VERSION || !nonce || !tag || body === undefined) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64url'));
      decipher.setAAD(Buffer.from(String(userId)));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const plain = Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]);
      return plain.toString('utf8');
    } catch {
      return null;
    }
  }
}

/**
 * The key setting, or the development key outside production. Production without
 * MFA_ENCRYPTION_KEY gets none: no authenticator can be set up (503), and with
 * ADMIN_MFA_REQUIRED the service refuses to start, since admins could not sign in.
 */
export function secretBoxFor(config: {
  NODE_ENV: string;
  MFA_ENCRYPTION_KEY?: string | undefined;
  ADMIN_MFA_REQUIRED: boolean;
}): SecretBox | null {
  if (config.MFA_ENCRYPTION_KEY) return new SecretBox(config.MFA_ENCRYPTION_KEY);
  if (config.NODE_ENV !== 'production') return new SecretBox(DEVELOPMENT_KEY);
  if (config.ADMIN_MFA_REQUIRED) {
    throw new Error(
      'ADMIN_MFA_REQUIRED=true needs MFA_ENCRYPTION_KEY, the key TOTP secrets are encrypted ' +
        'with (openssl rand -hex 32)',
    );
  }
  return null;
}
