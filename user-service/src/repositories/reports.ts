import type { AttendanceStatus } from '../domain/statuses.js';
import type { DateRange } from '../reports/range.js';
import { LISTED } from './attendance.js';
import type { Db } from './db.js';

/** An event as a report's column: by date, then start, then name. */
export interface ReportEvent {
  event_id: string;
  event_name: string;
  /** YYYY-MM-DD */
  date: string;
}

const EVENT_ORDER = 'e.date, e.starts_at, e.event_name, e.event_id';

/** Every event whose date falls in the range, active or not, in the report's column order. */
export async function eventsInRange(db: Db, range: DateRange): Promise<ReportEvent[]> {
  const { rows } = await db.query<ReportEvent>(
    `SELECT e.event_id, e.event_name, e.date::text AS date FROM attendance_events e
      WHERE e.date BETWEEN $1::date AND $2::date ORDER BY ${EVENT_ORDER}`,
    [range.from, range.to],
  );
  return rows;
}

/** A person as reports name them: from the local users row, as it is now. */
export interface ReportPerson {
  user_id: number;
  name: string;
  surname: string;
  /** The email, else the username, else null. */
  email: string | null;
  deleted: boolean;
}

const PERSON = `u.id AS user_id, u.name, u.last_name AS surname,
  COALESCE(NULLIF(u.email, ''), NULLIF(u.username, '')) AS email, u.deleted_at IS NOT NULL AS deleted`;

export async function findPerson(db: Db, userId: number): Promise<ReportPerson | undefined> {
  const { rows } = await db.query<ReportPerson>(`SELECT ${PERSON} FROM users u WHERE u.id = $1`, [
    userId,
  ]);
  return rows[0];
}

export interface PersonEventRow extends ReportEvent {
  status: AttendanceStatus | null;
  motivazione: string | null;
  scanned_at: Date | null;
}

/**
 * One person's row (or none) for each event in the range. Rows a report hides (the original's
 * pre-filled not_registered rows) count as none, as in the event report.
 */
export async function personAttendance(
  db: Db,
  userId: number,
  range: DateRange,
): Promise<PersonEventRow[]> {
  const { rows } = await db.query<PersonEventRow>(
    `SELECT e.event_id, e.event_name, e.date::text AS date, a.status, a.motivazione, a.scanned_at
       FROM attendance_events e
       LEFT JOIN attendance a ON a.event_id = e.event_id AND a.user_id = $3 AND ${LISTED}
      WHERE e.date BETWEEN $1::date AND $2::date
      ORDER BY ${EVENT_ORDER}`,
    [range.from, range.to, userId],
  );
  return rows;
}

/**
 * Who a register lists: everyone with a listed row on an event of the range and, with
 * `everyone`, also every account not deleted and not an admin (staff who never checked in stay
 * out), by surname, name and id.
 */
export interface PeopleFilter {
  range: DateRange;
  everyone: boolean;
}

const PEOPLE_WHERE = `(EXISTS (SELECT 1 FROM attendance a JOIN attendance_events e ON e.event_id = a.event_id
                        WHERE a.user_id = u.id AND e.date BETWEEN $1::date AND $2::date AND ${LISTED})
       OR ($3::boolean AND u.deleted_at IS NULL AND u.role <> 'admin'))`;

const PEOPLE_ORDER = 'u.last_name, u.name, u.id';

/** A page of the register's people, and how many there are. */
export async function peoplePage(
  db: Db,
  filter: PeopleFilter,
  page: { limit: number; offset: number },
): Promise<{ rows: ReportPerson[]; total: number }> {
  const params = [filter.range.from, filter.range.to, filter.everyone];
  const [list, count] = await Promise.all([
    db.query<ReportPerson>(
      `SELECT ${PERSON} FROM users u WHERE ${PEOPLE_WHERE}
        ORDER BY ${PEOPLE_ORDER} LIMIT $4 OFFSET $5`,
      [...params, page.limit, page.offset],
    ),
    db.query<{ total: number }>(
      `SELECT count(*)::int AS total FROM users u WHERE ${PEOPLE_WHERE}`,
      params,
    ),
  ]);
  return { rows: list.rows, total: count.rows[0]?.total ?? 0 };
}

/**
 * The register's people a batch at a time, after `after` in the register's order (keyset
 * paging: each batch is one indexed query however far into the list it is).
 */
export async function peopleAfter(
  db: Db,
  filter: PeopleFilter,
  after: ReportPerson | undefined,
  limit: number,
): Promise<ReportPerson[]> {
  const { rows } = await db.query<ReportPerson>(
    `SELECT ${PERSON} FROM users u
      WHERE ${PEOPLE_WHERE}
        AND ($4::text IS NULL OR (u.last_name, u.name, u.id) > ($4::text, $5::text, $6::int))
      ORDER BY ${PEOPLE_ORDER} LIMIT $7`,
    [
      filter.range.from,
      filter.range.to,
      filter.everyone,
      after?.surname ?? null,
      after?.name ?? null,
      after?.user_id ?? null,
      limit,
    ],
  );
  return rows;
}

/** The listed statuses of these people on the range's events. */
export async function statusesOf(
  db: Db,
  userIds: number[],
  range: DateRange,
): Promise<{ user_id: number; event_id: string; status: AttendanceStatus }[]> {
  const { rows } = await db.query<{ user_id: number; event_id: string; status: AttendanceStatus }>(
    `SELECT a.user_id, a.event_id, a.status
       FROM attendance a JOIN attendance_events e ON e.event_id = a.event_id
      WHERE a.user_id = ANY($1::int[]) AND e.date BETWEEN $2::date AND $3::date AND ${LISTED}`,
    [userIds, range.from, range.to],
  );
  return rows;
}
