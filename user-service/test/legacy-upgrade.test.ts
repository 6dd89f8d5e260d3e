import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import {
  ORIGINAL_USER_VARIANTS,
  buildOriginalUserScenario,
  createTestDatabase,
  migrateTestDatabase,
  type OriginalUserScenario,
  type TestDatabase,
} from '@cloud-backend/shared/testing';
import { MIGRATIONS } from './helper.js';

// The upgrade of every shape the original's user database can have (docs/switch-over.md),
// built by the faithful fixtures (@cloud-backend/shared/testing: the original's migration
// files as psql ran them, and the data each generation of its code wrote). What the reports
// show afterwards is tested through the real services in test/switch-over/.

/** A digest of a table's rows, to compare a table before and after it moved. */
async function digest(client: pg.Client, table: string): Promise<string> {
  const { rows } = await client.query<{ n: string; d: string | null }>(
    `SELECT count(*)::text AS n, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS d
       FROM ${table} t`,
  );
  return `${rows[0]?.n ?? '?'} ${rows[0]?.d ?? ''}`;
}

const ident = (name: string) => pg.escapeIdentifier(name);

describe.each(ORIGINAL_USER_VARIANTS)('upgrading an original user database: %s', (variant) => {
  let db: TestDatabase;
  let client: pg.Client;
  let scenario: OriginalUserScenario;
  const before = new Map<string, string>();

  beforeAll(async () => {
    db = await createTestDatabase('user_legacy');
    scenario = await buildOriginalUserScenario(db.url, variant, {
      fakeDailyRow: { today: '2025-06-16', timestamp: '2025-06-16 04:00:00' },
    });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    for (const table of scenario.database.tables) {
      before.set(table.table, await digest(client, `public.${ident(table.table)}`));
    }
    before.set('attendance_events', await digest(client, 'public.attendance_events'));
    if (scenario.database.staticCheckIns) {
      before.set('attendance', await digest(client, 'public.attendance'));
    }
    await migrateTestDatabase(db.url, MIGRATIONS);
  }, 120_000);

  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  it('keeps every table of the original in legacy, row for row, read-only', async () => {
    for (const table of scenario.database.tables) {
      expect(await digest(client, `legacy.${ident(table.table)}`), table.table).toBe(
        before.get(table.table),
      );
      await expect(client.query(`DELETE FROM legacy.${ident(table.table)}`)).rejects.toThrow(
        /kept read-only/,
      );
    }
    expect(await digest(client, 'legacy.original_attendance_events')).toBe(
      before.get('attendance_events'),
    );
    if (scenario.database.staticCheckIns) {
      expect(await digest(client, 'legacy.attendance')).toBe(before.get('attendance'));
    }
    const left = await client.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'
          AND tablename LIKE 'attendance%' ORDER BY 1`,
    );
    expect(left.rows.map((row) => row.name)).toEqual(['attendance', 'attendance_events']);
  });

  it('accounts for every row: copied into attendance, or listed with its reason', async () => {
    const { rows: report } = await client.query<{
      table_name: string;
      event_ids: string[];
      rows: number;
      moved: number;
      unmapped: number;
    }>(
      `SELECT table_name, event_ids, rows::int, moved::int, unmapped::int
         FROM legacy.event_tables WHERE table_name <> 'attendance' ORDER BY table_name`,
    );
    expect(report.map((row) => [row.table_name, [...row.event_ids].sort(), row.rows])).toEqual(
      [...scenario.database.tables]
        .sort((a, b) => a.table.localeCompare(b.table))
        .map((table) => [table.table, [...table.eventIds].sort(), table.rows]),
    );
    const { rows: listed } = await client.query<{ table_name: string; n: number }>(
      'SELECT table_name, count(*)::int AS n FROM legacy.unmapped_rows GROUP BY 1',
    );
    const all = await client.query<{ moved: number; unmapped: number; copied: number }>(
      `SELECT (SELECT COALESCE(sum(moved), 0)::int FROM legacy.event_tables) AS moved,
              (SELECT COALESCE(sum(unmapped), 0)::int FROM legacy.event_tables) AS unmapped,
              (SELECT count(*)::int FROM attendance) AS copied`,
    );
    for (const row of report) {
      expect(row.moved + row.unmapped, row.table_name).toBe(row.rows);
      expect(listed.find((entry) => entry.table_name === row.table_name)?.n ?? 0).toBe(
        row.unmapped,
      );
      // A table no event maps to has nothing copied; every row waits in legacy.
      if (row.event_ids.length === 0) expect(row.moved).toBe(0);
    }
    expect(all.rows[0]?.copied).toBe(all.rows[0]?.moved);
  });

  it("drops the original's views (keeping their definitions), functions and fake events", async () => {
    const code = await client.query(
      `SELECT proname AS name FROM pg_proc WHERE pronamespace = 'public'::regnamespace
       UNION ALL SELECT viewname FROM pg_views WHERE schemaname = 'public'`,
    );
    expect(code.rows).toEqual([]);
    const views = await client.query<{ view_name: string }>(
      'SELECT view_name FROM legacy.dropped_views ORDER BY 1',
    );
    // The chain stopped by ON_ERROR_STOP never reached the files that made them.
    expect(views.rows.map((row) => row.view_name)).toEqual(
      variant === 'on-error-stop'
        ? []
        : ['automatic_qr_admin_monitoring', 'event_attendance_stats_automatic'],
    );
    const fake = await client.query(
      `SELECT event_id FROM attendance_events WHERE qr_jwt = 'sample.jwt.token.for.analytics'`,
    );
    expect(fake.rows).toEqual([]);
  });

  it("keeps the original's users with their ids, names, e-mails and roles", async () => {
    const { rows } = await client.query<{ id: number; name: string; role: string }>(
      'SELECT id, name, role FROM users ORDER BY id',
    );
    expect(rows.map((row) => row.id)).toEqual(
      scenario.database.users.map((row) => row.id as number),
    );
    for (const original of scenario.database.users) {
      const now = rows.find((row) => row.id === original.id);
      expect(now?.name).toBe(original.name);
      expect(now?.role).toBe(original.role === 'admin' ? 'admin' : 'user');
    }
  });

  it('a second run of the migrations changes nothing', async () => {
    const tables = await client.query<{ name: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
        WHERE schemaname IN ('public', 'legacy') ORDER BY 1`,
    );
    const snapshot = async () =>
      Promise.all(tables.rows.map(async (row) => `${row.name} ${await digest(client, row.name)}`));
    const first = await snapshot();
    await migrateTestDatabase(db.url, MIGRATIONS);
    expect(await snapshot()).toEqual(first);
  });
});
