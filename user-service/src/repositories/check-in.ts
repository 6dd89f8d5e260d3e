import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditEventInput } from '@cloud-backend/shared';
import type { Db } from './db.js';
import { EVENT_COLUMNS, type EventRow } from './events.js';

export interface CheckInInput {
  /** The event the QR token names, and what the token says about it. */
  eventId: string;
  eventRowId: number;
  /** The token's rotation period (undefined for a static QR). */
  rot: number | undefined;
  nowMs: number;
  userId: number;
  name: string;
  surname: string;
  admin: boolean;
  /** The client's address (events/allowed-networks.ts clientAddress); null when unknown. */
  clientAddress: string | null;
  /** The audit event written with the check-in (docs/compatibility.md#audit-trail). */
  audit: AuditEventInput;
  service: string;
}

export interface CheckInResult {
  /** undefined when no event has that id. */
  event: EventRow | undefined;
  /** Whether the event accepted a scan with this token at nowMs (its check-in window). */
  open: boolean;
  /** Whether the client's address is in the event's allowed_networks (true when it has none). */
  networkAllowed: boolean;
  /** When the scan was recorded; undefined when it was not (closed, or already checked in). */
  scannedAt: Date | undefined;
}

/**
 * The whole check-in in one statement, one round trip: read the event, decide whether its
 * window accepts this token now, record the scan, and write the audit event to the outbox.
 * A single statement is atomic on its own, so the outbox row exists exactly when the check-in
 * does, as the former BEGIN … COMMIT guaranteed with four more round trips.
 *
 * The window (docs/compatibility.md#fix-validity-window), as scan.ts's checkWindow states it for
 * its messages: active, the row the token was signed for (a re-created namesake has another id),
 * started, not expired, and for a rotating QR the current period's token or the previous one's. The
 * time is the caller's (nowMs), so the statement and the messages judge the same moment, and the
 * bounds are compared in milliseconds, as JavaScript's Date holds them.
 *
 * An event with allowed_networks takes scans only from an address inside one of them, matched
 * here by PostgreSQL (inet <<= cidr) so the rule and the check-in are read and written at once.
 *
 * The scan is one INSERT … ON CONFLICT (docs/compatibility.md#fix-double-check-in): the unique
 * (event_id, user_id) makes a simultaneous second scan wait for the first and then see its row. A
 * row without scanned_at (a status an admin set, or a legacy pre-filled row) becomes a check-in: a
 * scan means present (#fix-rescan-status). For non-admins an existing check-in records nothing
 * (409); admins may scan again, as in the original, which refreshes the time.
 */
export async function checkIn(db: Db, input: CheckInInput): Promise<CheckInResult> {
  const event: AuditEvent = {
    id: randomUUID(),
    occurred_at: new Date(input.nowMs).toISOString(),
    service: input.service,
    ...input.audit,
  };
  const { rows } = await db.query<
    EventRow & { open: boolean | null; network_ok: boolean | null; scanned_at: Date | null }
  >({
    // Prepared once per connection: PostgreSQL plans it once, not on every scan.
    name: 'check-in',
    text: `WITH e AS (
       SELECT ${EVENT_COLUMNS},
              e.is_active AND e.id = $2
                AND $3::timestamptz >= date_trunc('milliseconds', e.starts_at)
                AND $3::timestamptz <= date_trunc('milliseconds', e.expires_at)
                AND CASE WHEN e.rotation_seconds IS NULL THEN $4::bigint IS NULL
                         ELSE $4::bigint BETWEEN $5::bigint / 1000 / e.rotation_seconds - 1
                                             AND $5::bigint / 1000 / e.rotation_seconds
                    END AS open,
              e.allowed_networks IS NULL OR $12::inet <<= ANY (e.allowed_networks) AS network_ok
         FROM attendance_events e WHERE e.event_id = $1),
     a AS (
       INSERT INTO attendance AS a (event_id, user_id, name, surname, status, scanned_at,
                                    updated_at)
       SELECT e.event_id, $6, left($7, 255), left($8, 255), 'present', now(), now()
         FROM e WHERE e.open AND e.network_ok
       ON CONFLICT (event_id, user_id) DO UPDATE
          SET scanned_at = now(), updated_at = now(), status = 'present',
              name = excluded.name, surname = excluded.surname
        WHERE a.scanned_at IS NULL OR $9::boolean
       RETURNING a.scanned_at),
     outbox AS (
       INSERT INTO audit_outbox (event_id, payload) SELECT $10, $11 FROM a)
     SELECT e.*, a.scanned_at FROM e LEFT JOIN a ON true`,
    values: [
      input.eventId,
      input.eventRowId,
      new Date(input.nowMs).toISOString(),
      input.rot ?? null,
      input.nowMs,
      input.userId,
      input.name,
      input.surname,
      input.admin,
      event.id,
      JSON.stringify(event),
      input.clientAddress,
    ],
  });
  const found = rows[0];
  if (!found) {
    return { event: undefined, open: false, networkAllowed: false, scannedAt: undefined };
  }
  const { open, network_ok: networkOk, scanned_at: scannedAt, ...row } = found;
  return {
    event: row,
    open: open === true,
    networkAllowed: networkOk === true,
    scannedAt: scannedAt ?? undefined,
  };
}
