/**
 * The import's own cross-check of the user-service migrations: every row of the original's
 * per-event tables must be in `attendance` after the upgrade, or be listed in
 * legacy.unmapped_rows. Shown on the fixture's original database, upgraded by the real
 * migrations, then with one check-in taken away or altered as a faulty upgrade would.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  migrateTestDatabase,
  type TestDatabase,
} from '@cloud-backend/shared/testing';
import {
  checkUsersAfter,
  snapshotUsers,
  type UsersBefore,
} from '../../scripts/import-original/checks.js';
import { CHECKINS, EVENTS, ORIGINAL_SQL, ORPHAN_ROWS, TABLES } from './support/original.js';

const MIGRATIONS = new URL('../../user-service/migrations/', import.meta.url);

let db: TestDatabase;
let client: pg.Client;
let before: UsersBefore;

beforeEach(async () => {
  db = await createTestDatabase('import_checks');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(ORIGINAL_SQL.users_db);
  before = await snapshotUsers(client);
  await migrateTestDatabase(db.url, MIGRATIONS);
});

afterEach(async () => {
  await client.end();
  await db.drop();
});

describe('the check that no check-in is lost', () => {
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
