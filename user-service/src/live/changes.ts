import type { AttendanceStatus } from '../domain/statuses.js';
import { eventStatistics, type EventStatistics } from '../repositories/attendance.js';
import type { Db } from '../repositories/db.js';

/** One row of live.attendance_changes: a check-in or a status change, numbered within its event. */
export interface ChangeRow {
  seq: string;
  user_id: number;
  name: string;
  surname: string;
  status: AttendanceStatus;
  previous_status: AttendanceStatus | null;
  scanned_at: Date | null;
  changed_at: Date;
}

const CHANGE = `c.seq::text AS seq, c.user_id, c.name, c.surname, c.status, c.previous_status,
  c.scanned_at, c.changed_at`;

/** The changes of an event numbered above `after`, oldest first, at most `limit`. */
export async function changesAfter(
  db: Db,
  eventId: string,
  after: bigint,
  limit: number,
): Promise<ChangeRow[]> {
  const { rows } = await db.query<ChangeRow>({
    name: 'live-changes-after',
    text: `SELECT ${CHANGE} FROM live.attendance_changes c
            WHERE c.event_id = $1 AND c.seq > $2 ORDER BY c.seq LIMIT $3`,
    values: [eventId, after.toString(), limit],
  });
  return rows;
}

/** The latest `limit` changes of an event, newest first. */
export async function latestChanges(db: Db, eventId: string, limit: number): Promise<ChangeRow[]> {
  const { rows } = await db.query<ChangeRow>(
    `SELECT ${CHANGE} FROM live.attendance_changes c
      WHERE c.event_id = $1 ORDER BY c.seq DESC LIMIT $2`,
    [eventId, limit],
  );
  return rows;
}

/** The number of the event's latest change (0 before its first). */
export async function lastSeq(db: Db, eventId: string): Promise<bigint> {
  const { rows } = await db.query<{ last_seq: string }>(
    'SELECT last_seq::text AS last_seq FROM live.event_sequences WHERE event_id = $1',
    [eventId],
  );
  return BigInt(rows[0]?.last_seq ?? '0');
}

/** What every live message carries: the report's counts, as GET …/users computes them. */
export interface LiveCounts {
  total: number;
  present: number;
  scanned: number;
  by_status: Record<AttendanceStatus, number>;
}

export async function liveCounts(db: Db, eventId: string): Promise<LiveCounts> {
  const stats: EventStatistics = await eventStatistics(db, eventId);
  return {
    total: stats.total_users,
    present: stats.present_count,
    scanned: stats.scanned_count,
    by_status: stats.status_breakdown,
  };
}
