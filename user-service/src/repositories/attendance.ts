import { ATTENDANCE_STATUSES, type AttendanceStatus } from '../domain/statuses.js';
import type { Db } from './db.js';

/**
 * Rows an event report lists: check-ins, and statuses an admin set for someone who did not
 * scan. The not_registered rows the original's old tables were pre-filled with stay out, as
 * they did in its report (it listed rows with scanned_at only).
 */
export const LISTED = `(a.scanned_at IS NOT NULL OR a.status <> 'not_registered'
  OR a.motivazione IS NOT NULL OR a.updated_by IS NOT NULL)`;

export interface AttendanceRow {
  id: string;
  user_id: number;
  name: string;
  surname: string;
  status: AttendanceStatus;
  motivazione: string | null;
  scanned_at: Date | null;
  updated_at: Date;
  updated_by: number | null;
}

const ROW = `a.id, a.user_id, a.name, a.surname, a.status, a.motivazione, a.scanned_at,
  a.updated_at, a.updated_by`;

/**
 * An admin's status edit: creates the row for someone who did not scan (with the names of the
 * local users row), or changes the existing one. undefined when the user is unknown.
 */
export async function setStatus(
  db: Db,
  input: {
    eventId: string;
    userId: number;
    status: AttendanceStatus;
    motivazione: string | null;
    adminId: number;
  },
): Promise<{ row: AttendanceRow; previous: AttendanceStatus | null } | undefined> {
  const { rows } = await db.query<AttendanceRow & { previous: AttendanceStatus | null }>(
    `WITH before AS (SELECT status FROM attendance WHERE event_id = $1 AND user_id = $2)
     INSERT INTO attendance AS a (event_id, user_id, name, surname, status, motivazione,
                                  updated_by, updated_at)
     SELECT $1, u.id, left(u.name, 255), left(u.last_name, 255), $3, $4, $5, now()
       FROM users u WHERE u.id = $2
     ON CONFLICT (event_id, user_id) DO UPDATE
        SET status = excluded.status, motivazione = excluded.motivazione,
            updated_by = excluded.updated_by, updated_at = now()
     RETURNING ${ROW}, (SELECT status FROM before) AS previous`,
    [input.eventId, input.userId, input.status, input.motivazione, input.adminId],
  );
  const found = rows[0];
  if (!found) return undefined;
  const { previous, ...row } = found;
  return { row, previous };
}

/** An event's report (docs/compatibility.md#event-report): newest check-ins first, then by name. */
export async function listEventAttendance(db: Db, eventId: string): Promise<AttendanceRow[]> {
  const { rows } = await db.query<AttendanceRow>(
    `SELECT ${ROW} FROM attendance a WHERE a.event_id = $1 AND ${LISTED}
      ORDER BY a.scanned_at DESC NULLS LAST, a.surname, a.name, a.user_id`,
    [eventId],
  );
  return rows;
}

export interface EventStatistics {
  total_users: number;
  present_count: number;
  absent_count: number;
  scanned_count: number;
  attendance_rate: number;
  status_breakdown: Record<AttendanceStatus, number>;
}

// A fixed list of constants, not input: safe to write into the statement.
const BREAKDOWN = ATTENDANCE_STATUSES.map(
  (status) => `'${status}', count(*) FILTER (WHERE a.status = '${status}')::int`,
).join(', ');

/** The report's statistics (docs/compatibility.md#statistics): 7 statuses, listed rows, in SQL. */
export async function eventStatistics(db: Db, eventId: string): Promise<EventStatistics> {
  const { rows } = await db.query<EventStatistics>(
    `SELECT s.total_users, s.present_count, s.total_users - s.present_count AS absent_count,
            s.scanned_count, s.status_breakdown,
            CASE WHEN s.total_users > 0
                 THEN s.present_count::float8 / s.total_users * 100 ELSE 0 END AS attendance_rate
       FROM (SELECT count(*)::int AS total_users,
                    count(*) FILTER (WHERE a.status = 'present')::int AS present_count,
                    count(a.scanned_at)::int AS scanned_count,
                    jsonb_build_object(${BREAKDOWN}) AS status_breakdown
               FROM attendance a WHERE a.event_id = $1 AND ${LISTED}) s`,
    [eventId],
  );
  const stats = rows[0];
  if (!stats) throw new Error('statistics query gave no row');
  return stats;
}

export interface HistoryRow {
  id: string;
  event_id: string;
  event_name: string;
  date: string;
  timestamp: Date;
  status: AttendanceStatus;
  motivazione: string | null;
}

/** A user's attendance across events, newest first (docs/compatibility.md#fix-history). */
export async function userHistory(
  db: Db,
  userId: number,
  page: { limit: number; offset: number },
): Promise<{ rows: HistoryRow[]; total: number }> {
  const [list, count] = await Promise.all([
    db.query<HistoryRow>(
      `SELECT a.id, a.event_id, e.event_name, e.date::text AS date,
              COALESCE(a.scanned_at, a.updated_at) AS timestamp, a.status, a.motivazione
         FROM attendance a JOIN attendance_events e ON e.event_id = a.event_id
        WHERE a.user_id = $1 AND ${LISTED}
        ORDER BY COALESCE(a.scanned_at, a.updated_at) DESC, a.id DESC
        LIMIT $2 OFFSET $3`,
      [userId, page.limit, page.offset],
    ),
    db.query<{ total: number }>(
      `SELECT count(*)::int AS total FROM attendance a WHERE a.user_id = $1 AND ${LISTED}`,
      [userId],
    ),
  ]);
  return { rows: list.rows, total: count.rows[0]?.total ?? 0 };
}

/**
 * Today's date in the events' time zone and, if there is one, the user's latest attendance on
 * an event of that date (docs/compatibility.md#fix-today).
 */
export async function todayAttendance(
  db: Db,
  userId: number,
  timeZone: string,
): Promise<{ today: string; row: HistoryRow | undefined }> {
  // Without a row, the LEFT JOIN gives every column as NULL.
  type Found = (HistoryRow | { [K in keyof HistoryRow]: null }) & { today: string };
  const { rows } = await db.query<Found>(
    `WITH d AS (SELECT (now() AT TIME ZONE $2)::date AS today)
     SELECT d.today::text AS today, x.*
       FROM d LEFT JOIN LATERAL (
         SELECT a.id, a.event_id, e.event_name, e.date::text AS date,
                COALESCE(a.scanned_at, a.updated_at) AS timestamp, a.status, a.motivazione
           FROM attendance a JOIN attendance_events e ON e.event_id = a.event_id
          WHERE a.user_id = $1 AND e.date = d.today AND ${LISTED}
          ORDER BY COALESCE(a.scanned_at, a.updated_at) DESC, a.id DESC
          LIMIT 1) x ON true`,
    [userId, timeZone],
  );
  const first = rows[0];
  if (!first) throw new Error('today query gave no row');
  const { today, ...row } = first;
  return { today, row: row.id === null ? undefined : row };
}
