import type { FastifyBaseLogger } from 'fastify';
import type { ReadFeed } from './feed.js';
import type { RedisRevocationMirror } from './redis-mirror.js';
import { isAfter, type Revocation, type RevokedSessions } from './revoked-sessions.js';

export interface RevocationSyncOptions {
  sessions: RevokedSessions;
  readFeed: ReadFeed;
  /** With REDIS_URL: the copy of the feed the replicas share. */
  mirror?: RedisRevocationMirror;
  pollMs: number;
  log: FastifyBaseLogger;
}

const PRUNE_EVERY_MS = 60_000;

/**
 * Keeps RevokedSessions current: every poll period it reads what is new in the Redis mirror (when
 * there is one) and, if this replica leads the period or has no usable mirror, what is new in
 * auth-service's feed, writing that to the mirror for the others. Each replica reads the whole
 * feed from auth-service once at start-up, so a mirror that lost data (a flushed Redis) can
 * never hide a revocation from it.
 */
export class RevocationSync {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readFromAuth = false;
  private lastPrune = 0;
  private failing = { auth: false, mirror: false };
  /** When auth-service's feed was last read completely (ms since the epoch), or 0. */
  lastSyncAt = 0;

  constructor(private readonly options: RevocationSyncOptions) {}

  /** True once the whole feed has been read from auth-service: tokens can be checked. */
  get synced(): boolean {
    return this.readFromAuth;
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

  /** One poll period's work. Never throws: failures are logged once per outage. */
  async tick(): Promise<void> {
    const { sessions, mirror } = this.options;
    let mirrorUsable = false;
    if (mirror) {
      mirrorUsable = await this.attempt('mirror', async () => {
        sessions.apply(await mirror.readAfter(sessions.cursor));
      });
    }
    const since = await this.authCursor(mirrorUsable);
    if (since !== null) await this.readAuth(since, mirrorUsable);

    if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      sessions.prune();
      if (mirror && mirrorUsable) await this.attempt('mirror', () => mirror.prune());
    }
  }

  /** Where to read auth-service's feed from this period, or null when another replica leads. */
  private async authCursor(mirrorUsable: boolean): Promise<string | null> {
    const { sessions, mirror } = this.options;
    if (!this.readFromAuth) return '0';
    if (!mirror || !mirrorUsable) return sessions.cursor;
    let since: string | null = sessions.cursor;
    await this.attempt('mirror', async () => {
      if (!(await mirror.lead())) {
        since = null;
        return;
      }
      // From the mirror's own newest position, so the mirror stays gap-free even when this
      // replica read ahead of it while Redis was away.
      const mirrored = await mirror.cursor();
      if (!isAfter(mirrored, sessions.cursor)) since = mirrored;
    });
    return since;
  }

  private async readAuth(since: string, writeMirror: boolean): Promise<void> {
    const { sessions, mirror, readFeed } = this.options;
    await this.attempt('auth', async () => {
      let cursor = since;
      for (;;) {
        const page = await readFeed(cursor);
        sessions.apply(page.revocations);
        sessions.advanceTo(page.cursor);
        if (mirror && writeMirror) await this.appendToMirror(mirror, page.revocations);
        if (!page.hasMore || page.cursor === cursor) break;
        cursor = page.cursor;
      }
      if (!this.readFromAuth) {
        this.options.log.info({ revoked: sessions.size }, 'revocation feed loaded');
      }
      this.readFromAuth = true;
      this.lastSyncAt = Date.now();
    });
  }

  private async appendToMirror(mirror: RedisRevocationMirror, revocations: Revocation[]) {
    await this.attempt('mirror', () => mirror.append(revocations));
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
