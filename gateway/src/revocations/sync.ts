import type { FastifyBaseLogger } from 'fastify';
import type { ReadFeed } from './feed.js';
import type { RedisRevocationMirror } from './redis-mirror.js';
import { isAfter, type RevokedSessions } from './revoked-sessions.js';

export interface RevocationSyncOptions {
  sessions: RevokedSessions;
  readFeed: ReadFeed;
  /** With REDIS_URL: the copy of the feed the replicas share. */
  mirror?: RedisRevocationMirror;
  pollMs: number;
  log: FastifyBaseLogger;
}

const PRUNE_EVERY_MS = 60_000;
// A replica that does not lead reads auth-service itself once the mirror is this many poll
// periods behind.
const MIRROR_BEHIND_PERIODS = 3;

/**
 * Keeps RevokedSessions current: every poll period it reads what is new in the Redis mirror (when
 * there is one) and, if this replica leads the period, has no usable mirror, or finds the mirror
 * behind (the leader cannot reach auth-service), what is new in auth-service's feed, writing that
 * to the mirror for the others when it leads. Each replica reads the whole feed from auth-service
 * once at start-up, so a mirror that lost data (a flushed Redis) can never hide a revocation
 * from it.
 *
 * `currentAt` says how fresh the list is: the start of the last complete read of auth-service's
 * feed, by this replica or, through the mirror, by the one that led. The gateway refuses tokens
 * once it is older than REVOCATION_MAX_STALENESS_MS (docs/sessions-and-revocation.md).
 */
export class RevocationSync {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readFromAuth = false;
  private lastPrune = 0;
  private failing = { auth: false, mirror: false };
  /** Up to when every revocation is known here (ms since the epoch), or 0 before the first read. */
  currentAt = 0;
  /** When this sync was made: the age reported before the first read. */
  readonly createdAt = Date.now();

  constructor(private readonly options: RevocationSyncOptions) {}

  /** True once the whole feed has been read from auth-service: tokens can be checked. */
  get synced(): boolean {
    return this.readFromAuth;
  }

  /** True while the Redis mirror cannot be used (auth-service is then read directly). */
  get mirrorFailing(): boolean {
    return this.options.mirror !== undefined && this.failing.mirror;
  }

  /** Synced, and no read older than `maxAgeMs`. */
  isCurrent(maxAgeMs: number, now = Date.now()): boolean {
    return this.readFromAuth && now - this.currentAt <= maxAgeMs;
  }

  /**
   * Reads the feed once, then polls. Awaited before the gateway listens, so that a restarted
   * gateway does not answer its first requests with 503 REVOCATIONS_UNAVAILABLE. Never throws:
   * when auth-service cannot be read (each read is bounded by the feed's timeout), the gateway
   * starts anyway and fails closed until a later poll succeeds.
   */
  async start(): Promise<void> {
    this.stopped = false;
    this.running = this.tick().finally(() => {
      this.running = undefined;
      this.schedule(this.options.pollMs);
    });
    await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule(this.options.pollMs);
      });
    }, delay);
    this.timer.unref();
  }

  private markCurrent(at: number): void {
    if (at > this.currentAt) this.currentAt = at;
  }

  /** One poll period's work. Never throws: failures are logged once per outage. */
  async tick(): Promise<void> {
    const { sessions, mirror } = this.options;
    let mirrorUsable = false;
    if (mirror) {
      let mirroredAt = 0;
      mirrorUsable = await this.attempt('mirror', async () => {
        // Read before the entries: they hold at least what the mirror had at that time.
        mirroredAt = await mirror.syncedAt();
        sessions.apply(await mirror.readAfter(sessions.cursor));
      });
      if (mirrorUsable && this.readFromAuth) this.markCurrent(mirroredAt);
    }
    const plan = await this.authPlan(mirrorUsable);
    if (plan) await this.readAuth(plan.since, plan.share);

    if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      sessions.prune();
      if (mirror && mirrorUsable) await this.attempt('mirror', () => mirror.prune());
    }
  }

  /**
   * Whether to read auth-service's feed this period, from where, and whether to share what is
   * read through the mirror; null when another replica leads and the mirror is current.
   */
  private async authPlan(mirrorUsable: boolean): Promise<{ since: string; share: boolean } | null> {
    const { sessions, mirror, pollMs } = this.options;
    if (!this.readFromAuth) return { since: '0', share: mirrorUsable };
    if (!mirror || !mirrorUsable) return { since: sessions.cursor, share: false };
    let plan: { since: string; share: boolean } | null = { since: sessions.cursor, share: false };
    await this.attempt('mirror', async () => {
      if (!(await mirror.lead())) {
        // The leader has not refreshed the mirror for a while (it cannot reach auth-service,
        // or it stopped): read auth-service from here too, without writing to the mirror.
        const behind = Date.now() - this.currentAt > MIRROR_BEHIND_PERIODS * pollMs;
        plan = behind ? { since: sessions.cursor, share: false } : null;
        return;
      }
      // From the mirror's own newest position, so the mirror stays gap-free even when this
      // replica read ahead of it while Redis was away.
      const mirrored = await mirror.cursor();
      plan = {
        since: isAfter(mirrored, sessions.cursor) ? sessions.cursor : mirrored,
        share: true,
      };
    });
    return plan;
  }

  private async readAuth(since: string, share: boolean): Promise<void> {
    const { sessions, mirror, readFeed } = this.options;
    const startedAt = Date.now();
    let shared = share && mirror !== undefined;
    const read = await this.attempt('auth', async () => {
      let cursor = since;
      for (;;) {
        const page = await readFeed(cursor);
        sessions.apply(page.revocations);
        sessions.advanceTo(page.cursor);
        if (mirror && shared) {
          shared = await this.attempt('mirror', () => mirror.append(page.revocations));
        }
        if (!page.hasMore || page.cursor === cursor) break;
        cursor = page.cursor;
      }
      if (!this.readFromAuth) {
        this.options.log.info({ revoked: sessions.size }, 'revocation feed loaded');
      }
      this.readFromAuth = true;
      this.markCurrent(startedAt);
    });
    if (read && mirror && shared) await this.attempt('mirror', () => mirror.markSynced(startedAt));
  }
  /** Runs a step; logs the first failure of an outage and the recovery, not every poll. */
  private async attempt(source: 'auth' | 'mirror', step: () => Promise<void>): Promise<boolean> {
    const what = source === 'auth' ? 'auth-service revocation feed' : 'Redis revocation mirror';
    try {
      await step();
      if (this.failing[source]) this.options.log.info(`${what} reachable again`);
      this.failing[source] = false;
      return true;
    } catch (err) {
      if (!this.failing[source]) this.options.log.warn({ err }, `${what} unreachable`);
      this.failing[source] = true;
      return false;
    }
  }
}
