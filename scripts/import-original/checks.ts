/**
 * The numbers of the report, and the check that no check-in is lost. "Before" is read from the
 * restored original, on its own terms: each event is mapped to its per-event table the way the
 * original did (names.ts), independently of how the migrations do it. Every row of those tables
 * is copied into a snapshot (schema import_check of the staging database) before the
 * migrations run; afterwards each snapshot row must be found in `attendance` (same user and
 * event, scanned_at to the second, status and reason, the earlier code's status words read as
 * the port documents them) or be listed, with its reason, in
 * legacy.unmapped_rows. The snapshot is dropped before the swap.
 */
import pg from 'pg';
import { originalEventTable } from './names.js';

const ident = (name: string) => pg.escapeIdentifier(name);
const literal = (value: string) => pg.escapeLiteral(value);

// The fake "Daily Attendance Check" rows the original's last migration inserted.
const FAKE_EVENT = `qr_jwt = 'sample.jwt.token.for.analytics' AND event_name = 'Daily Attendance Check'`;

export interface EventBefore {
  event_id: string;
  event_name: string;
  table: string;
  fake: boolean;
}

export interface TableBefore {
  table: string;
  rows: number;
  /** The events whose table this is (several when their names were cut to the same 63 bytes). */
  events: string[];
}

export interface UsersBefore {
  events: EventBefore[];
  tables: TableBefore[];
  /** Rows of the early static `attendance` table, if the database still had one. */
  staticRows: number | null;
  checkins: number;
}

async function exists(client: pg.Client, relation: string): Promise<boolean> {
  const result = await client.query<{ found: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS found',
    [relation],
  );
  return result.rows[0]?.found ?? false;
}

async function count(client: pg.Client, sql: string): Promise<number> {
  const result = await client.query<{ n: string }>(sql);
  return Number(result.rows[0]?.n ?? 0);
}

async function columnsOf(client: pg.Client, schema: string, table: string) {
  const result = await client.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a
      WHERE a.attrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass
        AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema, table],
  );
  return new Map(result.rows.map((row) => [row.name, row.type]));
}

/**
 * The status the port shows for an original status (docs/compatibility.md): the seven of the
 * live code stay; the earlier code's words become their equivalents (the word itself is kept
 * as the reason where the status alone would lose it); anything else, NULL included, is
 * not_registered, as the original reported it.
 */
function expectedStatus(status: string): string {
  return `CASE WHEN ${status} IN ('present', 'not_registered', 'hospital', 'family', 'emergency', 'vacancy', 'personal') THEN ${status}
               WHEN ${status} = 'presente' THEN 'present'
               WHEN ${status} = 'vacation' THEN 'vacancy'
               WHEN ${status} = 'sick' THEN 'hospital'
               WHEN ${status} IN ('business', 'other') THEN 'personal'
               ELSE 'not_registered' END`;
}

/** A column as timestamptz: wall-clock columns held UTC in the original. */
function asInstant(column: string, type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  const quoted = `t.${ident(column)}`;
  return type.startsWith('timestamp without') ? `(${quoted} AT TIME ZONE 'UTC')` : quoted;
}

export async function accountsIn(client: pg.Client): Promise<number> {
  return (await exists(client, 'public.users'))
    ? count(client, 'SELECT count(*) AS n FROM public.users')
    : 0;
}

export async function socialRowsIn(client: pg.Client): Promise<number | null> {
  return (await exists(client, 'public.social_logs'))
    ? count(client, 'SELECT count(*) AS n FROM public.social_logs')
    : null;
}

/** Reads the original's events and per-event tables, and snapshots every check-in. */
export async function snapshotUsers(client: pg.Client): Promise<UsersBefore> {
  const events: EventBefore[] = [];
  if (await exists(client, 'public.attendance_events')) {
    const result = await client.query<{ event_id: string; event_name: string; fake: boolean }>(
      `SELECT event_id, event_name, COALESCE(${FAKE_EVENT}, false) AS fake
         FROM public.attendance_events ORDER BY id`,
    );
    for (const row of result.rows) events.push({ ...row, table: originalEventTable(row.event_id) });
  }

  const tableRows = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname LIKE 'attendance\\_%'
        AND c.relname <> 'attendance_events'
      ORDER BY c.relname`,
  );

  await client.query('CREATE SCHEMA import_check');
  await client.query(`CREATE TABLE import_check.event_tables (event_id text, table_name text)`);
  await client.query(
    `CREATE TABLE import_check.checkins (table_name text, row_id integer, event_id text,
       user_id integer, scanned_at timestamptz, status text, motivazione text,
       expected_status text, expected_reason text, snap_id bigserial PRIMARY KEY)`,
  );
  for (const event of events) {
    await client.query('INSERT INTO import_check.event_tables VALUES ($1, $2)', [
      event.event_id,
      event.table,
    ]);
  }

  const tables: TableBefore[] = [];
  for (const { relname } of tableRows.rows) {
    const columns = await columnsOf(client, 'public', relname);
    const column = (name: string, fallback = 'NULL') =>
      columns.has(name) ? `t.${ident(name)}` : fallback;
    const scannedAt = asInstant('scanned_at', columns.get('scanned_at'));
    const stamp = asInstant('timestamp', columns.get('timestamp'));
    const scanned =
      scannedAt && stamp ? `COALESCE(${scannedAt}, ${stamp})` : (scannedAt ?? stamp ?? 'NULL');
    const status = `${column('status')}::text`;
    const reason = `NULLIF(${column('motivazione')}::text, '')`;
    const inserted = await client.query(
      `INSERT INTO import_check.checkins
       SELECT ${literal(relname)}, ${column('id')}, NULL, ${column('user_id')}, ${scanned},
              ${status}, ${column('motivazione')}::text,
              ${columns.has('status') ? expectedStatus(status) : `CASE WHEN ${scanned} IS NULL THEN 'not_registered' ELSE 'present' END`},
              COALESCE(${reason}, CASE WHEN ${status} IN ('sick', 'business', 'other') THEN ${status} END)
         FROM public.${ident(relname)} t`,
    );
    tables.push({
      table: relname,
      rows: inserted.rowCount ?? 0,
      events: events.filter((e) => e.table === relname).map((e) => e.event_id),
    });
  }

  // The early static table: one row per (event, user), with the event named in the row.
  let staticRows: number | null = null;
  if (await exists(client, 'public.attendance')) {
    const columns = await columnsOf(client, 'public', 'attendance');
    if (columns.has('event_id') && columns.has('user_id')) {
      const stamp = asInstant('timestamp', columns.get('timestamp')) ?? 'NULL';
      const inserted = await client.query(
        `INSERT INTO import_check.checkins
         SELECT 'attendance', ${columns.has('id') ? 't.id' : 'NULL'}, t.event_id::text, t.user_id,
                ${stamp}, ${columns.has('status') ? 't.status::text' : 'NULL'},
                ${columns.has('motivazione') ? 't.motivazione::text' : 'NULL'}, NULL, NULL
           FROM public.attendance t`,
      );
      staticRows = inserted.rowCount ?? 0;
    }
  }
  const checkins = tables.reduce((sum, t) => sum + t.rows, 0) + (staticRows ?? 0);
  return { events, tables, staticRows, checkins };
}

export interface UnmappedRow {
  table_name: string;
  row_id: number | null;
  user_id: number | null;
  status: string | null;
  scanned_at: string | null;
  reason: string;
}

export interface LostRow {
  table_name: string;
  row_id: number | null;
  event_id: string | null;
  user_id: number | null;
  scanned_at: string | null;
  status: string | null;
  motivazione: string | null;
}

export interface UsersAfter {
  events: string[];
  checkinsPerEvent: Map<string, number>;
  checkins: number;
  /** null when the migrations keep no legacy.unmapped_rows (yet). */
  unmapped: UnmappedRow[] | null;
  lost: LostRow[];
  /** Per-event tables of the original not found in the legacy schema after the upgrade. */
  missingLegacyTables: string[];
}

export async function checkUsersAfter(client: pg.Client, before: UsersBefore): Promise<UsersAfter> {
  const events = (
    await client.query<{ event_id: string }>('SELECT event_id FROM public.attendance_events')
  ).rows.map((row) => row.event_id);
  const perEvent = await client.query<{ event_id: string; n: string }>(
    'SELECT event_id, count(*) AS n FROM public.attendance GROUP BY event_id',
  );
  const checkinsPerEvent = new Map(perEvent.rows.map((row) => [row.event_id, Number(row.n)]));
  const checkins = [...checkinsPerEvent.values()].reduce((a, b) => a + b, 0);

  const hasUnmapped = await exists(client, 'legacy.unmapped_rows');
  const unmapped = hasUnmapped
    ? (
        await client.query<UnmappedRow>(
          `SELECT table_name::text, row_id, user_id, status::text,
                  to_char(scanned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS scanned_at,
                  reason::text
             FROM legacy.unmapped_rows ORDER BY table_name, row_id`,
        )
      ).rows
    : null;

  // A row of the original is safe when `attendance` holds it, or the legacy schema lists it
  // as not moved. Rows of the static table only need their (event, user) in `attendance`:
  // its statuses were another vocabulary. Written as joins, so that PostgreSQL can hash them:
  // a few hundred thousand rows take seconds, not hours.
  await client.query(`SET work_mem = '64MB'`);
  const lost = await client.query<LostRow>(
    `WITH candidate AS (
       SELECT c.snap_id, COALESCE(c.event_id, e.event_id) AS event_id, c.event_id IS NOT NULL AS static,
              c.user_id, c.scanned_at, c.expected_status, c.expected_reason
         FROM import_check.checkins c
         LEFT JOIN import_check.event_tables e ON c.event_id IS NULL AND e.table_name = c.table_name
     ), found AS (
       SELECT k.snap_id FROM candidate k
         JOIN public.attendance a ON a.event_id = k.event_id AND a.user_id = k.user_id
        WHERE k.static
           OR (date_trunc('second', a.scanned_at) IS NOT DISTINCT FROM date_trunc('second', k.scanned_at)
               AND a.status = k.expected_status
               AND a.motivazione IS NOT DISTINCT FROM k.expected_reason)
       ${
         hasUnmapped
           ? `UNION
       SELECT c.snap_id FROM import_check.checkins c
         JOIN legacy.unmapped_rows u ON u.table_name = c.table_name AND u.row_id = c.row_id`
           : ''
       }
     )
     SELECT c.table_name, c.row_id, c.event_id, c.user_id,
            to_char(c.scanned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS scanned_at,
            c.status, c.motivazione
       FROM import_check.checkins c
       LEFT JOIN (SELECT DISTINCT snap_id FROM found) f ON f.snap_id = c.snap_id
      WHERE f.snap_id IS NULL
      ORDER BY c.table_name, c.row_id`,
  );

  const missingLegacyTables: string[] = [];
  for (const table of before.tables) {
    if (!(await exists(client, `legacy.${ident(table.table)}`)))
      missingLegacyTables.push(table.table);
  }
  return { events, checkinsPerEvent, checkins, unmapped, lost: lost.rows, missingLegacyTables };
}

export interface Conflict {
  kind: string;
  key: string;
  user_ids: number[];
}

/** Accounts in conflict, from auth's view; null when the view does not exist. */
export async function conflictsIn(client: pg.Client): Promise<Conflict[] | null> {
  if (!(await exists(client, 'public.account_conflicts'))) return null;
  const result = await client.query<Conflict>(
    'SELECT kind::text, key::text, user_ids FROM public.account_conflicts ORDER BY kind, key',
  );
  return result.rows;
}

export async function dropSnapshot(client: pg.Client): Promise<void> {
  await client.query('DROP SCHEMA IF EXISTS import_check CASCADE');
}
