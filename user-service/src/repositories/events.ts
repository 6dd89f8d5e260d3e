import type { Db } from './db.js';

export interface EventRow {
  id: number;
  event_id: string;
  event_name: string;
  /** YYYY-MM-DD (selected as text: node-pg would turn a date into local midnight). */
  date: string;
  starts_at: Date;
  expires_at: Date;
  created_by: number | null;
  created_at: Date;
  is_active: boolean;
  rotation_seconds: number | null;
  /** CIDR blocks a scan must come from; null: anywhere (events/allowed-networks.ts). */
  allowed_networks: string[] | null;
}

/** The columns of EventRow, from attendance_events aliased e. */
export const EVENT_COLUMNS = `e.id, e.event_id, e.event_name, e.date::text AS date, e.starts_at, e.expires_at,
  e.created_by, e.created_at, e.is_active, e.rotation_seconds,
  e.allowed_networks::text[] AS allowed_networks`;

/**
 * The default check-in window (docs/compatibility.md#fix-validity-window): from 00:00 to 23:59:59
 * of the event day in the organisation's time zone. PostgreSQL's time zone database does the
 * arithmetic (DST included). `expires_hours`, which the original accepted and ignored, counts from
 * the start.
 */
export async function resolveWindow(
  db: Db,
  input: {
    date: string;
    timeZone: string;
    startsAt: Date | undefined;
    expiresAt: Date | undefined;
    expiresHours: number | undefined;
  },
): Promise<{ starts_at: Date; expires_at: Date; now: Date }> {
  const { rows } = await db.query<{ starts_at: Date; expires_at: Date; now: Date }>(
    `WITH w AS (
       SELECT COALESCE($3::timestamptz, ($1::date)::timestamp AT TIME ZONE $2) AS starts_at)
     SELECT w.starts_at,
            COALESCE($4::timestamptz,
                     w.starts_at + make_interval(hours => $5::int),
                     (($1::date) + time '23:59:59') AT TIME ZONE $2) AS expires_at,
            now() AS now
       FROM w`,
    [input.date, input.timeZone, input.startsAt, input.expiresAt, input.expiresHours ?? null],
  );
  const row = rows[0];
  if (!row) throw new Error('window query gave no row');
  return row;
}

/** Reserves the next attendance_events.id, which the QR token carries before the row exists. */
export async function nextEventId(db: Db): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT nextval(pg_get_serial_sequence('attendance_events', 'id'))::int AS id`,
  );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('nextval gave no row');
  return id;
}

/** Inserts the event; undefined when its event_id exists already (the original's 409). */
export async function insertEvent(
  db: Db,
  event: Omit<EventRow, 'is_active'> & { qr_jwt: string },
): Promise<EventRow | undefined> {
  const { rows } = await db.query<EventRow>(
    `INSERT INTO attendance_events AS e (id, event_id, event_name, date, qr_jwt, starts_at,
                                          expires_at, created_by, created_at, rotation_seconds,
                                          allowed_networks)
     VALUES ($1, $2, $3, $4::date, $5, $6, $7, $8, $9, $10,
             (SELECT array_agg(network(n::inet) ORDER BY i)
               FROM unnest($11::text[]) WITH ORDINALITY AS t(n, i)))
     ON CONFLICT (event_id) DO NOTHING
     RETURNING ${EVENT_COLUMNS}`,
    [
      event.id,
      event.event_id,
      event.event_name,
      event.date,
      event.qr_jwt,
      event.starts_at,
      event.expires_at,
      event.created_by,
      event.created_at,
      event.rotation_seconds,
      event.allowed_networks,
    ],
  );
  return rows[0];
}

/** The event_id of a row id (a check-in token names the row). */
export async function findEventIdByRowId(db: Db, id: number): Promise<string | undefined> {
  const { rows } = await db.query<{ event_id: string }>(
    'SELECT event_id FROM attendance_events WHERE id = $1',
    [id],
  );
  return rows[0]?.event_id;
}

export async function findEvent(db: Db, eventId: string): Promise<EventRow | undefined> {
  const { rows } = await db.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM attendance_events e WHERE e.event_id = $1`,
    [eventId],
  );
  return rows[0];
}

export async function setEventActive(
  db: Db,
  eventId: string,
  isActive: boolean,
): Promise<EventRow | undefined> {
  const { rows } = await db.query<EventRow>(
    `UPDATE attendance_events e SET is_active = $2 WHERE e.event_id = $1 RETURNING ${EVENT_COLUMNS}`,
    [eventId, isActive],
  );
  return rows[0];
}

/**
 * Replaces the event's allowed networks (null: no restriction), each stored as its network;
 * undefined when there is no such event.
 */
export async function setAllowedNetworks(
  db: Db,
  eventId: string,
  networks: string[] | null,
): Promise<EventRow | undefined> {
  const { rows } = await db.query<EventRow>(
    `UPDATE attendance_events e
        SET allowed_networks = (SELECT array_agg(network(n::inet) ORDER BY i)
               FROM unnest($2::text[]) WITH ORDINALITY AS t(n, i))
      WHERE e.event_id = $1 RETURNING ${EVENT_COLUMNS}`,
    [eventId, networks],
  );
  return rows[0];
}

/** Deletes the event and (by cascade) its attendance; undefined when there was none. */
export async function deleteEvent(
  db: Db,
  eventId: string,
): Promise<{ event_name: string; attendance_deleted: number } | undefined> {
  const { rows } = await db.query<{ event_name: string; attendance_deleted: number }>(
    `WITH gone AS (DELETE FROM attendance_events WHERE event_id = $1 RETURNING event_name)
     SELECT gone.event_name,
            (SELECT count(*)::int FROM attendance WHERE event_id = $1) AS attendance_deleted
       FROM gone`,
    [eventId],
  );
  return rows[0];
}

export interface EventListRow extends EventRow {
  total_users: number;
  present_count: number;
  scanned_count: number;
  attendance_rate: number;
  status_breakdown: Record<string, number>;
}

/**
 * Every event, newest first, with the list statistics (docs/compatibility.md#statistics) over all
 * of its rows, in one statement (the original ran one query per event).
 */
export async function listEventsWithStatistics(db: Db): Promise<EventListRow[]> {
  const { rows } = await db.query<EventListRow>(
    `WITH per_status AS (
       SELECT event_id, status, count(*)::int AS n, count(scanned_at)::int AS scanned
         FROM attendance GROUP BY event_id, status
     ), per_event AS (
       SELECT event_id, jsonb_object_agg(status, n) AS status_breakdown,
              sum(n)::int AS total_users,
              COALESCE(sum(n) FILTER (WHERE status = 'present'), 0)::int AS present_count,
              sum(scanned)::int AS scanned_count
         FROM per_status GROUP BY event_id
     )
     SELECT ${EVENT_COLUMNS},
            COALESCE(p.status_breakdown, '{}'::jsonb) AS status_breakdown,
            COALESCE(p.total_users, 0) AS total_users,
            COALESCE(p.present_count, 0) AS present_count,
            COALESCE(p.scanned_count, 0) AS scanned_count,
            CASE WHEN p.total_users > 0
                 THEN p.present_count::float8 / p.total_users * 100 ELSE 0 END AS attendance_rate
       FROM attendance_events e LEFT JOIN per_event p ON p.event_id = e.event_id
      ORDER BY e.created_at DESC, e.id DESC`,
  );
  return rows;
}

/** attendance_events_active: events open for check-in (the original's intended query). */
export async function countActiveEvents(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM attendance_events WHERE is_active AND expires_at > now()',
  );
  return rows[0]?.n ?? 0;
}
