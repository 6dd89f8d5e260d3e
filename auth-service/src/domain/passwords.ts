import bcrypt from 'bcrypt';

/** bcrypt silently ignores everything past 72 bytes, so longer passwords are refused instead. */
export const PASSWORD_MAX_BYTES = 72;

export function passwordBytes(password: string): number {
  return Buffer.byteLength(password, 'utf8');
}

/**
 * Length in Unicode code points: what PostgreSQL's varchar(n) counts, and close to what a
 * person counts (an emoji is one, not two UTF-16 units or four bytes).
 */
export function codePoints(text: string): number {
  return Array.from(text).length;
}

/** Characters as a person counts them, for the minimum-length rule. */
export function passwordLength(password: string): number {
  return codePoints(password);
}

/**
 * bcrypt through the native library's async API, which runs on libuv's thread pool: the event
 * loop keeps serving requests while a hash is computed.
 */
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  constructor(readonly cost: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  /** False for a wrong password, an over-long one, or a stored hash that is not bcrypt. */
  async verify(password: string, stored: string): Promise<boolean> {
    if (passwordBytes(password) > PASSWORD_MAX_BYTES) return false;
    try {
      return await bcrypt.compare(password, stored);
    } catch {
      return false;
    }
  }

  /**
   * Spends the same time as a real comparison when the account does not exist, so response
   * times do not tell which accounts exist.
   */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= bcrypt.hash('dummy password for timing', this.cost);
    await this.verify(password, await this.dummyHash);
  }

  /** Hashes made with a lower cost (the original used 10) are upgraded on the next login. */
  needsRehash(stored: string): boolean {
    try {
      return bcrypt.getRounds(stored) < this.cost;
    } catch {
      return false;
    }
  }
}
