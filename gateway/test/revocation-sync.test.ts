import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseFeedPage, type FeedPage } from '../src/revocations/feed.js';
import type { RedisRevocationMirror } from '../src/revocations/redis-mirror.js';
import { RevokedSessions, type Revocation } from '../src/revocations/revoked-sessions.js';
import { RevocationSync } from '../src/revocations/sync.js';

const HOUR = 3_600_000;
const revocation = (id: number, sessionId = `s${id}`, ttl = HOUR): Revocation => ({
  id: String(id),
  sessionId,
  expiresAt: Date.now() + ttl,
});

/** auth-service's feed over a list, in pages of two. */
function feedOf(rows: Revocation[], reads: string[] = []) {
  return async (since: string): Promise<FeedPage> => {
    reads.push(since);
    const page = rows.filter((row) => BigInt(row.id) > BigInt(since)).slice(0, 2);
    return { revocations: page, cursor: page.at(-1)?.id ?? since, hasMore: page.length === 2 };
  };
}

/** The mirror's behaviour in memory; `down` makes every call fail as with Redis away. */
/** A feed that refuses, as an unreachable auth-service does, while `failing` is set. */
function failingFeed(rows: Revocation[], failing: boolean) {
  const read = feedOf(rows);
  const feed = {
    failing,
    read: async (since: string) => {
      if (feed.failing) throw new Error('connect ECONNREFUSED');
      return read(since);
    },
  };
  return feed;
}

function memoryMirror(leads: () => boolean) {
  const rows: Revocation[] = [];
  const state = { down: false, rows, syncedAt: 0 };
  const check = () => {
    if (state.down) throw new Error('Redis away');
  };
  const mirror = {
    readAfter: async (cursor: string) => {
      check();
      return rows.filter((row) => BigInt(row.id) > BigInt(cursor));
    },
    cursor: async () => {
      check();
      return rows.reduce((max, row) => (BigInt(row.id) > BigInt(max) ? row.id : max), '0');
    },
    append: async (more: Revocation[]) => {
      check();
      for (const row of more) if (!rows.some((known) => known.id === row.id)) rows.push(row);
    },
    lead: async () => {
      check();
      return leads();
    },
    prune: async () => {
      check();
    },
    markSynced: async (at: number) => {
      check();
      state.syncedAt = Math.max(state.syncedAt, at);
    },
    syncedAt: async () => {
      check();
      return state.syncedAt;
    },
  };
  return { mirror: mirror as unknown as RedisRevocationMirror, state };
}

const log = pino({ level: 'silent' });

describe('RevokedSessions', () => {
  it('keeps sessions until their tokens expire and only moves the cursor forward', () => {
    const sessions = new RevokedSessions();
    sessions.apply([revocation(2, 'a'), revocation(1, 'b'), revocation(3, 'c', -1)]);
    expect(sessions.cursor).toBe('3');
    expect(sessions.isRevoked('a')).toBe(true);
    expect(sessions.isRevoked('b')).toBe(true);
    expect(sessions.isRevoked('c')).toBe(false);
    expect(sessions.isRevoked('a', Date.now() + 2 * HOUR)).toBe(false);
    sessions.advanceTo('2');
    expect(sessions.cursor).toBe('3');
    sessions.advanceTo('900000000000000001');
    expect(sessions.cursor).toBe('900000000000000001');
    sessions.prune(Date.now() + 2 * HOUR);
    expect(sessions.size).toBe(0);
  });
});

describe('parseFeedPage', () => {
  it.each([
    ['not an object', 'nope'],
    ['no cursor', { revocations: [], has_more: false }],
    [
      'a numeric id',
      {
        revocations: [{ id: 1, session_id: 's', expires_at: '2030-01-01T00:00:00Z' }],
        cursor: '1',
        has_more: false,
      },
    ],
    [
      'a bad date',
      {
        revocations: [{ id: '1', session_id: 's', expires_at: 'soon' }],
        cursor: '1',
        has_more: false,
      },
    ],
    ['no has_more', { revocations: [], cursor: '0' }],
  ])('refuses %s', (_what, body) => {
    expect(() => parseFeedPage(body)).toThrow(/unexpected body/);
  });
});

describe('RevocationSync', () => {
  it('without a mirror reads the whole feed, then what is new, page after page', async () => {
    const rows = [revocation(1), revocation(2), revocation(3)];
    const reads: string[] = [];
    const sessions = new RevokedSessions();
    const sync = new RevocationSync({ sessions, readFeed: feedOf(rows, reads), pollMs: 1000, log });
    expect(sync.synced).toBe(false);
    await sync.tick();
    expect(sync.synced).toBe(true);
    expect(reads).toEqual(['0', '2']);
    expect(sessions.isRevoked('s3')).toBe(true);
    rows.push(revocation(4), revocation(5), revocation(6));
    await sync.tick();
    expect(reads.slice(2)).toEqual(['3', '5']);
    expect(sessions.isRevoked('s6')).toBe(true);
    expect(sessions.isRevoked('s4')).toBe(true);
  });

  it('stays unsynced while the feed fails, and catches up when it answers', async () => {
    const feed = failingFeed([revocation(1)], true);
    const sync = new RevocationSync({
      sessions: new RevokedSessions(),
      readFeed: feed.read,
      pollMs: 1000,
      log,
    });
    await sync.tick();
    expect(sync.synced).toBe(false);
    feed.failing = false;
    await sync.tick();
    expect(sync.synced).toBe(true);
  });

  it('with a mirror: reads auth-service only when leading, and shares what it read', async () => {
    const rows = [revocation(1)];
    const reads: string[] = [];
    let leading = false;
    const { mirror, state } = memoryMirror(() => leading);
    const sessions = new RevokedSessions();
    const sync = new RevocationSync({
      sessions,
      readFeed: feedOf(rows, reads),
      mirror,
      pollMs: 1000,
      log,
    });

    await sync.tick(); // start-up: the whole feed, whoever leads
    expect(reads).toEqual(['0']);
    expect(state.rows.map((row) => row.id)).toEqual(['1']);

    rows.push(revocation(2));
    await sync.tick(); // another replica leads: nothing read from auth-service
    expect(reads).toEqual(['0']);
    expect(sessions.isRevoked('s2')).toBe(false);

    await mirror.append([revocation(2)]); // …and that replica shares what it read
    await sync.tick();
    expect(sessions.isRevoked('s2')).toBe(true);
    expect(reads).toEqual(['0']);

    leading = true;
    rows.push(revocation(3));
    await sync.tick();
    expect(reads).toEqual(['0', '2']);
    expect(state.rows.map((row) => row.id)).toEqual(['1', '2', '3']);
  });

  it('reads auth-service itself while Redis is away, and refills the mirror after', async () => {
    const rows = [revocation(1)];
    const reads: string[] = [];
    const { mirror, state } = memoryMirror(() => true);
    const sessions = new RevokedSessions();
    const sync = new RevocationSync({
      sessions,
      readFeed: feedOf(rows, reads),
      mirror,
      pollMs: 1000,
      log,
    });
    await sync.tick();

    state.down = true;
    rows.push(revocation(2));
    await sync.tick();
    expect(sessions.isRevoked('s2')).toBe(true);
    expect(reads.at(-1)).toBe('1');

    state.down = false;
    await sync.tick(); // leads: from the mirror's position, so entry 2 reaches the mirror too
    expect(reads.at(-1)).toBe('1');
    expect(state.rows.map((row) => row.id)).toEqual(['1', '2']);
  });
});

describe('RevocationSync freshness (REVOCATION_MAX_STALENESS_MS)', () => {
  it('is current as of the start of its last complete read, and not after a failed one', async () => {
    const feed = failingFeed([revocation(1)], false);
    const sync = new RevocationSync({
      sessions: new RevokedSessions(),
      readFeed: feed.read,
      pollMs: 1000,
      log,
    });
    expect(sync.isCurrent(60_000)).toBe(false); // never read
    const before = Date.now();
    await sync.tick();
    expect(sync.currentAt).toBeGreaterThanOrEqual(before);
    expect(sync.isCurrent(60_000)).toBe(true);
    expect(sync.isCurrent(1000, sync.currentAt + 1001)).toBe(false);

    feed.failing = true;
    const readAt = sync.currentAt;
    await sync.tick();
    expect(sync.currentAt).toBe(readAt);
  });

  it('a replica that does not lead is as current as the mirror, and reads auth-service itself once the mirror falls behind', async () => {
    const rows = [revocation(1)];
    const reads: string[] = [];
    const { mirror, state } = memoryMirror(() => false);
    const sync = new RevocationSync({
      sessions: new RevokedSessions(),
      readFeed: feedOf(rows, reads),
      mirror,
      pollMs: 1000,
      log,
    });
    await sync.tick(); // start-up: the whole feed from auth-service, and marks the mirror
    expect(reads).toEqual(['0']);
    expect(state.syncedAt).toBe(sync.currentAt);

    // The leader read auth-service a moment ago: this replica only reads the mirror.
    state.syncedAt = Date.now() + 5;
    await sync.tick();
    expect(reads).toEqual(['0']);
    expect(sync.currentAt).toBe(state.syncedAt);

    // The leader has not completed a read for more than three periods: read it from here.
    state.syncedAt = Date.now() - 3500;
    sync.currentAt = state.syncedAt;
    rows.push(revocation(2));
    await sync.tick();
    expect(reads).toEqual(['0', '1']);
    expect(sync.currentAt).toBeGreaterThan(state.syncedAt);
    // …without writing to the mirror, which only its leader extends (so it stays gap-free).
    expect(state.rows.map((row) => row.id)).toEqual(['1']);
  });
});
