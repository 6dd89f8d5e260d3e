import type { Redis } from 'ioredis';
import type { Revocation } from './revoked-sessions.js';

const FEED_KEY = 'cloud-backend:gateway:revocations';
const LEADER_KEY = 'cloud-backend:gateway:revocations:leader';
const SYNCED_KEY = 'cloud-backend:gateway:revocations:synced-at';
const BATCH = 1000;
const PRUNE_BATCH = 200;

/** A feed entry as a sorted-set member; the score is its feed position. */
function member(revocation: Revocation): string {
  return `${revocation.sessionId} ${revocation.expiresAt}`;
}

function parse(value: string, score: string): Revocation | null {
  const [sessionId, expiresAt] = value.split(' ');
  const expires = Number(expiresAt);
  if (!sessionId || !Number.isFinite(expires) || !/^\d+$/.test(score)) return null;
  return { id: score, sessionId, expiresAt: expires };
}

function pairs(reply: string[]): Revocation[] {
  const revocations: Revocation[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const revocation = parse(reply[i] ?? '', reply[i + 1] ?? '');
    if (revocation) revocations.push(revocation);
  }
  return revocations;
}

/**
 * A copy of auth-service's revocation feed in Redis, shared by every gateway replica: a sorted
 * set scored by feed position, so a replica reads what is new to it with one range query. The
 * replica that holds the short leader lease reads auth-service and appends; the others only
 * read Redis, so auth-service sees about one poll per period whatever the number of replicas,
 * and a replica that cannot reach auth-service still learns of every revocation.
 */
export class RedisRevocationMirror {
  constructor(
    private readonly redis: Redis,
    private readonly instanceId: string,
    private readonly leaseMs: number,
  ) {}

  /** Entries after a feed position, oldest first. */
  async readAfter(cursor: string): Promise<Revocation[]> {
    const found: Revocation[] = [];
    let after = cursor;
    for (;;) {
      const reply = await this.redis.zrangebyscore(
        FEED_KEY,
        `(${after}`,
        '+inf',
        'WITHSCORES',
        'LIMIT',
        0,
        BATCH,
      );
      const batch = pairs(reply);
      found.push(...batch);
      const last = batch.at(-1);
      if (reply.length < BATCH * 2 || !last) return found;
      after = last.id;
    }
  }

  /** The newest feed position the mirror holds ('0' when empty). */
  async cursor(): Promise<string> {
    const reply = await this.redis.zrange(FEED_KEY, -1, -1, 'WITHSCORES');
    const score = reply[1];
    return score !== undefined && /^\d+$/.test(score) ? score : '0';
  }

  async append(revocations: Revocation[]): Promise<void> {
    if (revocations.length === 0) return;
    const args = revocations.flatMap((revocation) => [revocation.id, member(revocation)]);
    await this.redis.zadd(FEED_KEY, ...args);
  }

  /**
   * Records that the mirror holds every revocation auth-service had when a read that began at
   * `startedAt` (ms since the epoch) did: the replicas that only read the mirror are as current
   * as that. Only ever moves forward.
   */
  async markSynced(startedAt: number): Promise<void> {
    const known = Number(await this.redis.get(SYNCED_KEY));
    if (Number.isFinite(known) && known >= startedAt) return;
    await this.redis.set(SYNCED_KEY, String(startedAt));
  }

  /** When the mirror was last known complete (ms since the epoch), 0 if never. */
  async syncedAt(): Promise<number> {
    const value = Number(await this.redis.get(SYNCED_KEY));
    return Number.isFinite(value) && value > 0 ? value : 0;
  }

  /** True when this replica holds the lease to read auth-service for this period. */
  async lead(): Promise<boolean> {
    const taken = await this.redis.set(LEADER_KEY, this.instanceId, 'PX', this.leaseMs, 'NX');
    if (taken === 'OK') return true;
    return (await this.redis.get(LEADER_KEY)) === this.instanceId;
  }

  /**
   * Drops the oldest entries whose tokens have expired. Expiry grows with the feed position
   * (revocation time + token lifetime), so the expired ones are a prefix of the set.
   */
  async prune(now = Date.now()): Promise<void> {
    const reply = await this.redis.zrange(FEED_KEY, 0, PRUNE_BATCH - 1, 'WITHSCORES');
    const expired: string[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const value = reply[i] ?? '';
      const revocation = parse(value, reply[i + 1] ?? '');
      if (revocation && revocation.expiresAt > now) break;
      expired.push(value);
    }
    if (expired.length > 0) await this.redis.zrem(FEED_KEY, ...expired);
  }
}
