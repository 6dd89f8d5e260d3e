import type { Db } from '../repositories/db.js';
import type { ClientBase } from 'pg';

/**
 * Whether every row the original left in the `legacy` schema is accounted for: still as the
 * upgrade found it, and either in `attendance`, or in an event an admin has deleted since, or
 * listed in legacy.unmapped_rows (which only an explicit choice may discard).
 */
export interface LegacyAccounting {
  /** Tables of the original kept in legacy, with their row counts now. */
  tables: { table_name: string; rows: number }[];
  /** Findings that forbid dropping the schema, one line each. */
  problems: string[];
  /** Rows that were never copied, by table and reason. */
  unmapped: { table_name: string; reason: string; rows: number }[];
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function accountForLegacy(db: Db | ClientBase): Promise<LegacyAccounting> {
  const result: LegacyAccounting = { tables: [], problems: [], unmapped: [] };
  const { rows: present } = await db.query<{ ok: boolean }>(
    `SELECT to_regclass('legacy.event_tables') IS NOT NULL
        AND to_regclass('legacy.unmapped_rows') IS NOT NULL AS ok`,
  );
  if (!present[0]?.ok) return result;

  const recorded = await db.query<{ table_name: string; event_ids: string[]; rows: number }>(
    'SELECT table_name, event_ids, rows::int FROM legacy.event_tables ORDER BY table_name',
  );
  for (const table of recorded.rows) {
    const found = await db.query<{ present: boolean; columns: string[] | null }>(
      `SELECT to_regclass($1) IS NOT NULL AS present,
              (SELECT array_agg(attname::text) FROM pg_attribute
                WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped) AS columns`,
      [`legacy.${ident(table.table_name)}`],
    );
    if (!found.rows[0]?.present) {
      result.problems.push(
        `legacy.${table.table_name} is gone (the upgrade recorded ${table.rows} row(s))`,
      );
      continue;
    }
    const count = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM legacy.${ident(table.table_name)}`,
    );
    const now = count.rows[0]?.n ?? 0;
    result.tables.push({ table_name: table.table_name, rows: now });
    if (now !== table.rows) {
      result.problems.push(
        `legacy.${table.table_name} holds ${now} row(s), the upgrade recorded ${table.rows}`,
      );
    }
    const columns = found.rows[0].columns ?? [];
    if (!columns.includes('user_id') || table.event_ids.length === 0) continue;
    // A copied row must still be in attendance, unless its event has been deleted since.
    const eventColumn = table.table_name === 'attendance' && columns.includes('event_id');
    const sameRow = columns.includes('id') ? 'AND u.row_id IS NOT DISTINCT FROM t.id' : '';
    const missing = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM legacy.${ident(table.table_name)} t
        WHERE t.user_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM legacy.unmapped_rows u
                           WHERE u.table_name = $1 AND u.user_id = t.user_id ${sameRow})
          AND EXISTS (SELECT 1 FROM attendance_events e
                       WHERE e.event_id = ANY ($2) ${eventColumn ? 'AND e.event_id = t.event_id::text' : ''})
          AND NOT EXISTS (SELECT 1 FROM attendance a
                           WHERE a.user_id = t.user_id AND a.event_id = ANY ($2)
                             ${eventColumn ? 'AND a.event_id = t.event_id::text' : ''})`,
      [table.table_name, table.event_ids],
    );
    const n = missing.rows[0]?.n ?? 0;
    if (n > 0) {
      result.problems.push(
        `${n} row(s) of legacy.${table.table_name} are no longer in attendance, though their event still exists`,
      );
    }
  }
  const unmapped = await db.query<{ table_name: string; reason: string; rows: number }>(
    `SELECT table_name, reason, count(*)::int AS rows FROM legacy.unmapped_rows
      GROUP BY table_name, reason ORDER BY table_name, reason`,
  );
  result.unmapped = unmapped.rows;
  return result;
}
