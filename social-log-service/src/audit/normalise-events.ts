import { type AuditEvent, parseRfc3339 } from '@cloud-backend/shared';
import { isStorableText } from '../lib/text.js';
import type { ChainedFields } from './hash-chain.js';

/** An event as it will be stored and hashed (everything but the time it is received). */
export type NormalisedEvent = Omit<ChainedFields, 'received_at'>;

/** One reason a batch is refused, in the `details` format of the shared validation errors. */
export interface EventProblem {
  field: string;
  message: string;
}

/** Deeper `details` are refused: senders write flat facts, and the canonical form recurses. */
export const MAX_DETAILS_DEPTH = 16;
const INT4_MIN = -2147483648;
const INT4_MAX = 2147483647;
const NOT_STORABLE = 'must not contain U+0000 or unpaired surrogates';

// The schema's uuid format also accepts an upper-case or urn:uuid: form; PostgreSQL prints it
// lower-case, which is what gets hashed.
function canonicalUuid(id: string): string {
  return id.replace(/^urn:uuid:/i, '').toLowerCase();
}

/**
 * Why a details value cannot be stored as jsonb and hashed, or undefined when it can. `depth`
 * counts objects and arrays: details itself is level 1.
 */
function detailsProblem(value: unknown, depth: number): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : NOT_STORABLE;
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_DETAILS_DEPTH) return `must not nest deeper than ${MAX_DETAILS_DEPTH} levels`;
  const entries = Array.isArray(value)
    ? value.map((item: unknown) => ['', item] as const)
    : Object.entries(value as Record<string, unknown>);
  for (const [key, item] of entries) {
    if (!isStorableText(key)) return NOT_STORABLE;
    const problem = detailsProblem(item, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

function checkId(value: number | null, field: string, problems: EventProblem[]): void {
  if (value !== null && (value < INT4_MIN || value > INT4_MAX)) {
    problems.push({ field, message: 'must be a 32-bit integer' });
  }
}

/**
 * What the schema cannot say about a batch: timestamps PostgreSQL can store to the microsecond,
 * ids that fit its integer columns, text it can store unchanged. Events repeated within the
 * batch are kept once (the first); the caller counts the rest as duplicates.
 */
export function normaliseEvents(events: AuditEvent[]): {
  events: NormalisedEvent[];
  problems: EventProblem[];
} {
  const problems: EventProblem[] = [];
  const byId = new Map<string, NormalisedEvent>();
  events.forEach((event, index) => {
    const at = (field: string) => `body.events.${index}.${field}`;
    const occurredAt = parseRfc3339(event.occurred_at);
    if (!occurredAt) {
      problems.push({ field: at('occurred_at'), message: 'must be an RFC 3339 date-time' });
    }
    checkId(event.user_id, at('user_id'), problems);
    checkId(event.actor_id, at('actor_id'), problems);
    for (const field of ['service', 'action', 'ip', 'user_agent', 'request_id'] as const) {
      const value = event[field];
      if (value !== null && !isStorableText(value)) {
        problems.push({ field: at(field), message: NOT_STORABLE });
      }
    }
    const details = detailsProblem(event.details, 1);
    if (details) problems.push({ field: at('details'), message: details });

    const eventId = canonicalUuid(event.id);
    if (!occurredAt || byId.has(eventId)) return;
    byId.set(eventId, {
      event_id: eventId,
      occurred_at: occurredAt.utc,
      service: event.service,
      action: event.action,
      user_id: event.user_id,
      actor_id: event.actor_id,
      success: event.success,
      ip: event.ip,
      user_agent: event.user_agent,
      request_id: event.request_id,
      details: event.details,
    });
  });
  return { events: [...byId.values()], problems };
}
