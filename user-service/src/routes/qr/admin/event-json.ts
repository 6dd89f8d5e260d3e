import { rfc3339 } from '../../../domain/dates.js';
import type { EventRow } from '../../../repositories/events.js';

/**
 * The fields every event reply shares, in the original's formats (docs/compatibility.md#generate).
 */
export function eventFields(row: EventRow) {
  return {
    event_id: row.event_id,
    event_name: row.event_name,
    date: row.date,
    starts_at: rfc3339(row.starts_at),
    expires_at: rfc3339(row.expires_at),
    rotation_seconds: row.rotation_seconds,
    allowed_networks: row.allowed_networks,
  };
}
