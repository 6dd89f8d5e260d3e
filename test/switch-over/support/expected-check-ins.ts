import type { OriginalUserDatabaseDescription } from '@cloud-backend/shared/testing';
import {
  EARLIER_STATUSES,
  EARLIER_STATUSES_KEPT_AS_REASON,
  isAttendanceStatus,
} from '../../../user-service/src/domain/statuses.js';

/** One line of an event's report, as the port must show it after the switch-over. */
export interface ExpectedCheckIn {
  eventId: string;
  userId: number;
  /** To the second, UTC, `…Z`; null for a status set without a scan. */
  scannedAt: string | null;
  status: string;
  motivazione: string | null;
}

/** A timestamp the database read back (with or without an offset; without one it is UTC). */
function instant(value: unknown): Date | null {
  if (typeof value !== 'string' || value === '') return null;
  return new Date(/(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`);
}

const toSecond = (date: Date | null): string | null =>
  date ? `${date.toISOString().slice(0, 19)}Z` : null;

function status(value: string | null): string {
  if (value === null) return 'not_registered';
  if (isAttendanceStatus(value)) return value;
  return Object.hasOwn(EARLIER_STATUSES, value)
    ? EARLIER_STATUSES[value as keyof typeof EARLIER_STATUSES]
    : 'not_registered';
}

/** The reason a report shows: an empty one is none (the original's replies left it out). */
function reason(value: string | null, motivazione: string | null): string | null {
  if (motivazione !== null && motivazione !== '') return motivazione;
  return value !== null && EARLIER_STATUSES_KEPT_AS_REASON.includes(value) ? value : null;
}

/**
 * The event a row of a shared table belongs to, by the rule docs/switch-over.md states: the
 * newest of the table's events created at or before the row's time, else the oldest.
 */
function eventFor(eventIds: string[], at: Date | null, created: Map<string, Date>): string {
  const byAge = [...eventIds].sort(
    (a, b) => (created.get(a)?.getTime() ?? 0) - (created.get(b)?.getTime() ?? 0),
  );
  const before = at ? byAge.filter((id) => (created.get(id)?.getTime() ?? 0) <= at.getTime()) : [];
  return before.at(-1) ?? byAge[0] ?? '';
}

/** Rows a report lists: scans, and statuses or reasons someone set. */
const listed = (c: ExpectedCheckIn, updatedBy: unknown) =>
  c.scannedAt !== null ||
  c.status !== 'not_registered' ||
  c.motivazione !== null ||
  (updatedBy !== null && updatedBy !== undefined);

/**
 * Every check-in the original database holds, as the port's reports must show it: worked out
 * from the rows the fixture read back, independently of the migration that moves them.
 */
export function expectedCheckIns(original: OriginalUserDatabaseDescription): ExpectedCheckIn[] {
  const created = new Map<string, Date>();
  for (const event of original.events) {
    const at = instant(event.created_at);
    if (typeof event.event_id === 'string' && at) created.set(event.event_id, at);
  }
  const byKey = new Map<string, { checkIn: ExpectedCheckIn; at: number; updatedBy: unknown }>();
  const add = (checkIn: ExpectedCheckIn, at: Date | null, updatedBy: unknown) => {
    const key = `${checkIn.eventId}/${String(checkIn.userId)}`;
    const previous = byKey.get(key);
    // One row per user and event: the latest wins (the port's unique key).
    if (!previous || (at?.getTime() ?? 0) > previous.at) {
      byKey.set(key, { checkIn, at: at?.getTime() ?? 0, updatedBy });
    }
  };

  for (const row of original.checkIns) {
    if (row.user_id === null || row.eventIds.length === 0) continue;
    const scanned = instant(row.scanned_at) ?? instant(row.timestamp);
    const at = scanned ?? instant(row.updated_at);
    add(
      {
        eventId: eventFor(row.eventIds, at, created),
        userId: row.user_id,
        scannedAt: toSecond(scanned),
        status: status(row.status),
        motivazione: reason(row.status, row.motivazione),
      },
      at,
      row.updated_by,
    );
  }
  const fromTables = new Set(byKey.keys());
  for (const row of original.staticCheckIns ?? []) {
    const eventId = typeof row.event_id === 'string' ? row.event_id : '';
    const userId = typeof row.user_id === 'number' ? row.user_id : null;
    if (userId === null || !created.has(eventId)) continue;
    if (!original.users.some((u) => u.id === userId)) continue;
    // The per-event tables' rows win over the early static table's.
    if (fromTables.has(`${eventId}/${String(userId)}`)) continue;
    const value = typeof row.status === 'string' ? row.status : null;
    const mapped = status(value);
    const at = instant(row.timestamp);
    add(
      {
        eventId,
        userId,
        scannedAt: mapped === 'present' ? toSecond(at) : null,
        status: mapped,
        motivazione: reason(value, typeof row.motivazione === 'string' ? row.motivazione : null),
      },
      at,
      null,
    );
  }
  return [...byKey.values()]
    .filter((entry) => listed(entry.checkIn, entry.updatedBy))
    .map((entry) => entry.checkIn);
}
