/**
 * The import's own cross-check of the user-service migrations: every row of the original's
 * per-event tables must be in `attendance` after the upgrade, or be listed in
 * legacy.unmapped_rows. Shown on the fixture's original database, upgraded by the real
 * migrations, then with one check-in taken away or altered as a faulty upgrade would.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  migrateTestDatabase,
  copyTestDatabase,
  PRE_0008_STATUSES,
  pre0008TableStatements,
  storedTableName,
  type TestDatabase,
} from '@cloud-backend/shared/testing';
import {
  checkUsersAfter,
  snapshotUsers,
  type UsersBefore,
} from '../../scripts/import-original/checks.js';
import { CHECKINS, EVENTS, ORIGINAL_SQL, ORPHAN_ROWS, TABLES } from './support/original.js';

const MIGRATIONS = new URL('../../user-service/migrations/', import.meta.url);

let upgraded: TestDatabase;
let db: TestDatabase;
let client: pg.Client;
let before: UsersBefore;

/**
 * The fixture's original user database, with `more` SQL run on it before the snapshot (which
 * the check keeps in the database itself), then upgraded. Built once per group of tests; each
 * test gets a copy of its own (cloneUpgraded), as the tests alter what the upgrade left.
 */
async function snapshotThenUpgrade(more = ''): Promise<void> {
  upgraded = await createTestDatabase('import_checks_upgraded');
  const original = new pg.Client({ connectionString: upgraded.url });
  await original.connect();
  try {
    await original.query(ORIGINAL_SQL.users_db);
    if (more) await original.query(more);
    before = await snapshotUsers(original);
  } finally {
    await original.end();
  }
  await migrateTestDatabase(upgraded.url, MIGRATIONS);
}

/** A copy of the upgraded database for one test, and a connection to it. */
async function cloneUpgraded(): Promise<void> {
  db = await copyTestDatabase(upgraded, 'import_checks');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
}

beforeEach(cloneUpgraded);

afterEach(async () => {
  await client.end();
  await db.drop();
});

describe('the check that no check-in is lost', () => {
  beforeAll(() => snapshotThenUpgrade());
  afterAll(() => upgraded.drop());

  it('counts the original on its own terms, and finds every row after the upgrade', async () => {
    expect(before.checkins).toBe(CHECKINS.length + ORPHAN_ROWS);
    expect(before.tables.find((t) => t.table === TABLES.long)?.events).toEqual([
      EVENTS.longA,
      EVENTS.longB,
    ]);
    expect(before.tables.find((t) => t.table === TABLES.orphan)?.events).toEqual([]);
    const after = await checkUsersAfter(client, before);
    expect(after.lost).toEqual([]);
    expect(after.checkins).toBe(CHECKINS.length);
    expect(after.unmapped).toHaveLength(ORPHAN_ROWS);
    expect(after.missingLegacyTables).toEqual([]);
  });

  it('reports a check-in the upgrade dropped', async () => {
    await client.query(`DELETE FROM attendance WHERE event_id = $1 AND user_id = 3`, [
      EVENTS.meeting,
    ]);
    const after = await checkUsersAfter(client, before);
    expect(after.lost).toEqual([
      expect.objectContaining({ table_name: TABLES.meeting, user_id: 3, status: 'hospital' }),
    ]);
  });

  it('reports a check-in whose time, status or reason changed', async () => {
    await client.query(
      `UPDATE attendance SET scanned_at = scanned_at + interval '1 second' WHERE event_id = $1 AND user_id = 1`,
      [EVENTS.meeting],
    );
    await client.query(
      `UPDATE attendance SET motivazione = NULL WHERE event_id = $1 AND user_id = 3`,
      [EVENTS.meeting],
    );
    await client.query(
      `UPDATE attendance SET status = 'present' WHERE event_id = $1 AND user_id = 2`,
      [EVENTS.prepopulated],
    );
    const after = await checkUsersAfter(client, before);
    expect(after.lost.map((l) => [l.table_name, l.user_id])).toEqual([
      [TABLES.prepopulated, 2],
      [TABLES.meeting, 1],
      [TABLES.meeting, 3],
    ]);
  });

  it('reports a row that was neither moved nor listed as not moved', async () => {
    await client.query(`DELETE FROM legacy.unmapped_rows WHERE table_name = $1 AND row_id = 1`, [
      TABLES.orphan,
    ]);
    const after = await checkUsersAfter(client, before);
    expect(after.lost).toEqual([expect.objectContaining({ table_name: TABLES.orphan, row_id: 1 })]);
  });
});

// The status words the code before 0008 stored (and what the port documents for each: the
// seven stay, the others become their equivalent, the word kept as the reason where the status
// alone would lose it). scenarios.test.ts imports generations that hold some of them; this
// holds every one.
const EARLIER: Record<string, string> = {
  presente: 'present',
  vacation: 'vacancy',
  sick: 'hospital',
  business: 'personal',
  other: 'personal',
};
const KEPT_AS_REASON = ['sick', 'business', 'other'];
const PRE_0008_EVENT = 'riunione-staff-2025-06-09';

describe("the check on the earlier code's status words", () => {
  beforeAll(() => {
    const table = storedTableName(PRE_0008_EVENT);
    const rows = PRE_0008_STATUSES.map(
      (status, i) =>
        `(${i + 1}, 'Nome', 'Cognome', '2025-06-09 13:${String(30 + i)}:00', '${status}', ${status === 'vacation' ? `'ferie'` : 'NULL'})`,
    );
    return snapshotThenUpgrade(`
      INSERT INTO users (id, name, last_name)
        SELECT g, 'Nome', 'Cognome' FROM generate_series(4, ${PRE_0008_STATUSES.length}) g;
      INSERT INTO attendance_events (event_id, event_name, date, qr_jwt, expires_at, created_by)
        VALUES ('${PRE_0008_EVENT}', 'Riunione Staff', '2025-06-09', 'x.y.z', '2025-06-09 23:59:59', 1);
      ${pre0008TableStatements(table).table};
      INSERT INTO ${table} (user_id, name, surname, "timestamp", status, motivazione)
        VALUES ${rows.join(', ')};`);
  });
  afterAll(() => upgraded.drop());

  it('reads each as the port documents it, and finds every row after the upgrade', async () => {
    const after = await checkUsersAfter(client, before);
    expect(after.lost).toEqual([]);
    const moved = await client.query<{ user_id: number; status: string; motivazione: string }>(
      'SELECT user_id, status, motivazione FROM attendance WHERE event_id = $1 ORDER BY user_id',
      [PRE_0008_EVENT],
    );
    expect(moved.rows).toEqual(
      PRE_0008_STATUSES.map((word, i) => ({
        user_id: i + 1,
        status: EARLIER[word] ?? word,
        motivazione: word === 'vacation' ? 'ferie' : KEPT_AS_REASON.includes(word) ? word : null,
      })),
    );
  });

  it('reports a row whose word was read otherwise', async () => {
    const other = PRE_0008_STATUSES.indexOf('other') + 1;
    await client.query(
      `UPDATE attendance SET motivazione = NULL WHERE event_id = $1 AND user_id = $2`,
      [PRE_0008_EVENT, other],
    );
    const after = await checkUsersAfter(client, before);
    expect(after.lost).toEqual([
      expect.objectContaining({ table_name: storedTableName(PRE_0008_EVENT), user_id: other }),
    ]);
  });
});
