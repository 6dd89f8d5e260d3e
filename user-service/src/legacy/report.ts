import type { Db } from '../repositories/db.js';

/**
 * What the switch-over from the original left in the `legacy` schema (docs/switch-over.md):
 * the original's tables, kept read-only, and the report the copy migration wrote.
 */
export interface LegacyTable {
  table_name: string;
  event_ids: string[];
  rows: number;
  moved: number;
  unmapped: number;
}

export interface UnmappedSummary {
  table_name: string;
  reason: string;
  rows: number;
}

export interface LegacyReport {
  tables: LegacyTable[];
  unmapped: UnmappedSummary[];
  /** Views other than the original's own two that the upgrade had to drop. */
  droppedViews: string[];
}

/** The original's own views: dropped on purpose, nothing to warn about. */
const ORIGINAL_VIEWS = ['event_attendance_stats_automatic', 'automatic_qr_admin_monitoring'];

export async function readLegacyReport(db: Db): Promise<LegacyReport> {
  const { rows: present } = await db.query<{ ok: boolean }>(
    `SELECT to_regclass('legacy.event_tables') IS NOT NULL
        AND to_regclass('legacy.unmapped_rows') IS NOT NULL
        AND to_regclass('legacy.dropped_views') IS NOT NULL AS ok`,
  );
  if (!present[0]?.ok) return { tables: [], unmapped: [], droppedViews: [] };
  const tables = await db.query<LegacyTable>(
    `SELECT table_name, event_ids, rows::int, moved::int, unmapped::int
       FROM legacy.event_tables ORDER BY table_name`,
  );
  const unmapped = await db.query<UnmappedSummary>(
    `SELECT table_name, reason, count(*)::int AS rows FROM legacy.unmapped_rows
      GROUP BY table_name, reason ORDER BY table_name, reason`,
  );
  const views = await db.query<{ view_name: string }>(
    `SELECT view_name FROM legacy.dropped_views
      WHERE split_part(view_name, '.', -1) <> ALL ($1) ORDER BY view_name`,
    [ORIGINAL_VIEWS],
  );
  return {
    tables: tables.rows,
    unmapped: unmapped.rows,
    droppedViews: views.rows.map((row) => row.view_name),
  };
}
