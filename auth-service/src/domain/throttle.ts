import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { HttpError, type Pool } from '@cloud-backend/shared';
import { ERRORS } from '../messages.js';
import {
  activeBlocks,
  clearFailures,
  countFailure,
  isKnownAddress,
  pruneThrottle,
  rememberAddress,
  type ThrottleScope,
} from '../repositories/login-throttle.js';
import type { Queryable } from '../repositories/queryable.js';

/**
 * Brute-force defence (docs/security.md). Wrong passwords are counted per (account, client
 * address), per account and per client address. The (account, address) count blocks only that
 * address for that account, so nobody can lock the owner out from elsewhere; the per-address
 * count stops one address guessing across many accounts; the per-account count slows guessing
 * spread over many addresses, and while it is exceeded only addresses the account recently
 * signed in from may still try. An unknown identifier is counted exactly as an account is
 * (under a hash of the identifier), so no answer tells whether an account exists.
 */
export interface ThrottleSettings {
  /** Wrong passwords for one account from one address that block that pair. */
  pairLimit: number;
  /** Wrong passwords for one account from every address. */
  accountLimit: number;
  /** Wrong passwords from one address, for any accounts. */
  addressLimit: number;
  /** The counting window, and how long a block lasts. */
  minutes: number;
  /** How long an address the account signed in from stays known. */
  knownAddressDays: number;
}

/** Who a password is checked for: an account, or an identifier that names none. */
export interface ThrottleSubject {
  key: string;
  userId: number | null;
}

export function accountSubject(userId: number): ThrottleSubject {
  return { key: `user:${String(userId)}`, userId };
}

/** Lower-cased and hashed: keys stay short whatever was typed, and hold no typed text. */
export function unknownSubject(identifier: string): ThrottleSubject {
  const digest = createHash('sha256').update(identifier.toLowerCase()).digest('hex');
  return { key: `name:${digest}`, userId: null };
}

/**
 * The address failures are counted under. An IPv6 client usually holds a whole /64, so its
 * addresses count as one; an IPv4 address is itself.
 */
export function addressKey(ip: string | null): string {
  if (ip === null || ip === '') return 'unknown';
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = ip.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = ip.includes('::')
    ? [...headGroups, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map((group) => (parseInt(group, 16) || 0).toString(16))
    .join(':')}::/64`;
}

export type Refusal = { scope: 'address' | 'account'; until: Date };

function retryAfter(until: Date): Record<string, string> {
  const seconds = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
  return { 'retry-after': String(seconds) };
}

/** The 429 a refusal answers with: per address as the gateway's login limit, else locked. */
export function refusalError(refusal: Refusal): HttpError {
  const body = refusal.scope === 'address' ? ERRORS.loginRateLimited : ERRORS.accountLocked;
  return new HttpError(429, body.code, body.error, undefined, retryAfter(refusal.until));
}

/** Which scope blocked a subject, for the counts that reached a limit. */
export interface NewBlock {
  subject: ThrottleSubject;
  scope: ThrottleScope;
  until: Date;
}

export class LoginThrottle {
  constructor(
    private readonly pool: Pool,
    readonly settings: ThrottleSettings,
  ) {}

  private pairKey(subject: ThrottleSubject, address: string): string {
    return `${subject.key}|${address}`;
  }

  /** A refusal when this address is blocked for every account. */
  async addressRefusal(address: string): Promise<Refusal | null> {
    const [block] = await activeBlocks(this.pool, [{ scope: 'address', key: address }]);
    return block ? { scope: 'address', until: block.until } : null;
  }

  /**
   * A refusal when this subject may not be tried from this address now: its (account,
   * address) pair is blocked, or the account as a whole is and the address is not one it
   * recently signed in from.
   */
  async subjectRefusal(subject: ThrottleSubject, address: string): Promise<Refusal | null> {
    const blocks = await activeBlocks(this.pool, [
      { scope: 'pair', key: this.pairKey(subject, address) },
      { scope: 'account', key: subject.key },
    ]);
    const pair = blocks.find((block) => block.scope === 'pair');
    if (pair) return { scope: 'account', until: pair.until };
    const account = blocks.find((block) => block.scope === 'account');
    if (!account) return null;
    const known =
      subject.userId !== null &&
      (await isKnownAddress(this.pool, subject.userId, address, this.settings.knownAddressDays));
    return known ? null : { scope: 'account', until: account.until };
  }

  /**
   * Counts one wrong password for each subject checked, and once for the address, inside the
   * caller's transaction. Returns the account-side blocks this failure started.
   */
  async countFailure(
    db: Queryable,
    subjects: readonly ThrottleSubject[],
    address: string,
  ): Promise<NewBlock[]> {
    const { pairLimit, accountLimit, addressLimit, minutes } = this.settings;
    const started: NewBlock[] = [];
    for (const subject of subjects) {
      const pair = await countFailure(
        db,
        { scope: 'pair', key: this.pairKey(subject, address), limit: pairLimit },
        minutes,
      );
      if (pair.blockedNow && pair.until)
        started.push({ subject, scope: 'pair', until: pair.until });
      const account = await countFailure(
        db,
        { scope: 'account', key: subject.key, limit: accountLimit },
        minutes,
      );
      if (account.blockedNow && account.until) {
        started.push({ subject, scope: 'account', until: account.until });
      }
    }
    await countFailure(db, { scope: 'address', key: address, limit: addressLimit }, minutes);
    // Now and then, forget counts that can no longer matter; the table stays small.
    if (Math.random() < 0.02) await pruneThrottle(db, minutes);
    return started;
  }

  /** The owner proved the password from this address: its pair count ends, the address is known. */
  async succeeded(db: Queryable, subject: ThrottleSubject, address: string): Promise<void> {
    await clearFailures(db, { scope: 'pair', key: this.pairKey(subject, address) });
    if (subject.userId !== null) await rememberAddress(db, subject.userId, address);
  }
}
