import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { createTestDatabase, type TestDatabase } from '@cloud-backend/shared/testing';
import { LeaderLock } from '../src/services/leader-lock.js';
import { RECONCILIATION_LOCK_KEY } from '../src/services/user-sync.js';

// Two replicas' locks on one real database: one leads, the other waits its turn
// (docs/operations.md#running-replicas).
describe('leader lock', () => {
  let database: TestDatabase;
  const log = pino({ level: 'silent' });
  const locks: LeaderLock[] = [];
  const lock = () => {
    const made = new LeaderLock(database.url, RECONCILIATION_LOCK_KEY, 'test job', log);
    locks.push(made);
    return made;
  };

  async function holders(): Promise<number> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks
          WHERE locktype = 'advisory' AND granted
            AND (classid::bigint << 32 | objid::bigint) = $1::bigint`,
        [RECONCILIATION_LOCK_KEY],
      );
      return rows[0]?.n ?? 0;
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase('leader_lock');
  });

  afterAll(async () => {
    await Promise.all(locks.map((made) => made.release()));
    await database.drop();
  });

  it('lets one replica lead; the other takes over once it lets go', async () => {
    const first = lock();
    const second = lock();
    expect(await first.hold()).toBe(true);
    expect(await second.hold()).toBe(false);
    // The leader stays the leader at its next attempt, on the same lock.
    expect(await first.hold()).toBe(true);
    expect(await second.hold()).toBe(false);
    expect(await holders()).toBe(1);

    await first.release();
    expect(await second.hold()).toBe(true);
    expect(await first.hold()).toBe(false);
    expect(await holders()).toBe(1);
    await second.release();
    expect(await holders()).toBe(0);
  });

  it('hands over when the leader loses its connection, as when its process is killed', async () => {
    const leader = lock();
    const other = lock();
    expect(await leader.hold()).toBe(true);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      // The server ends the leader's session: the lock goes with it.
      const { rows } = await admin.query<{ ended: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS ended FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'test job leader'`,
      );
      expect(rows[0]?.ended).toBe(1);
    } finally {
      await admin.end();
    }
    // pg_terminate_backend only signals: wait for the session (and its lock) to end.
    for (let tries = 0; (await holders()) > 0 && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await other.hold()).toBe(true);
    // The old leader notices at its next attempt, steps down and finds the lock taken.
    expect(await leader.hold()).toBe(false);
    expect(await holders()).toBe(1);
  });
});
