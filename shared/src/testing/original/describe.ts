import type pg from 'pg';
import { storedTableName } from './event-tables.js';

/** A row as PostgreSQL's to_jsonb renders it (timestamps in UTC, ISO 8601). */
export type JsonRow = Record<string, unknown>;

/** One row of a per-event table, with the events its table belongs to. */
export interface OriginalCheckIn {
  /** The per-event table holding the row. */
  table: string;
  /** Events whose derived table name is this table (none, one, or several). */
  eventIds: string[];
  id: number;
  user_id: number | null;
  name: string | null;
  surname: string | null;
  /** NULL for rows of the tables made before 0008 (they have no such column). */
  scanned_at: string | null;
  status: string | null;
  motivazione: string | null;
  timestamp: string | null;
  updated_at: string | null;
  updated_by: number | null;
}

export interface OriginalEventTable {
  table: string;
  eventIds: string[];
  columns: string[];
  rows: number;
}

/** Everything a user database of the original holds, read back from it. */
export interface OriginalUserDatabaseDescription {
  /** Every row of `users`, all columns, by id. */
  users: JsonRow[];
  /** Every row of `attendance_events`, all columns, by id. */
  events: JsonRow[];
  /** Every per-event table (`attendance_<…>`), by name. */
  tables: OriginalEventTable[];
  /** Every row of every per-event table, by table then id. */
  checkIns: OriginalCheckIn[];
  /** Rows of the early static `attendance` table, by id; null when there is no such table. */
  staticCheckIns: JsonRow[] | null;
}

const CHECK_IN_COLUMNS = [
  'user_id',
  'name',
  'surname',
  'scanned_at',
  'status',
  'motivazione',
  'timestamp',
  'updated_at',
  'updated_by',
] as const;

async function rowsOf(client: pg.ClientBase, table: string): Promise<JsonRow[]> {
  const { rows } = await client.query<{ row: JsonRow }>(
    `select to_jsonb(t) as row from public.${table} t order by t.id`,
  );
  return rows.map((row) => row.row);
}

/**
 * Reads a user database of the original: users, events, each per-event table with the events
 * it maps to (by the name the code derived, cut at 63 bytes), and every check-in row.
 */
export async function describeOriginalUserDatabase(
  client: pg.ClientBase,
): Promise<OriginalUserDatabaseDescription> {
  await client.query('begin');
  try {
    await client.query(`set local timezone = 'UTC'`);
    const users = await rowsOf(client, 'users');
    const events = await rowsOf(client, 'attendance_events');
    const { rows: found } = await client.query<{ table: string; columns: string[] }>(
      `select c.relname as table,
              array_agg(a.attname::text order by a.attnum) as columns
         from pg_class c
         join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
          and c.relname like 'attendance\\_%' and c.relname <> 'attendance_events'
        group by c.relname
        order by c.relname collate "C"`,
    );
    const tables: OriginalEventTable[] = [];
    const checkIns: OriginalCheckIn[] = [];
    for (const { table, columns } of found) {
      const eventIds = events
        .map((event) => String(event.event_id))
        .filter((eventId) => storedTableName(eventId) === table);
      const rows = await rowsOf(client, `"${table.replaceAll('"', '""')}"`);
      tables.push({ table, eventIds, columns, rows: rows.length });
      for (const row of rows) {
        const checkIn: Record<string, unknown> = { table, eventIds, id: row.id };
        for (const column of CHECK_IN_COLUMNS) checkIn[column] = row[column] ?? null;
        checkIns.push(checkIn as unknown as OriginalCheckIn);
      }
    }
    const { rows: staticTable } = await client.query(
      `select 1 from pg_class where relnamespace = 'public'::regnamespace and relname = 'attendance'`,
    );
    const staticCheckIns = staticTable.length > 0 ? await rowsOf(client, 'attendance') : null;
    return { users, events, tables, checkIns, staticCheckIns };
  } finally {
    await client.query('commit');
  }
}
