import { createHash } from 'node:crypto';
import type { Static } from 'typebox';
import type { ChainedFieldsSchema } from '../schemas/audit.js';

/**
 * The audit trail's hash chain. Pure and self-contained so that the same code computes a hash
 * when a row is inserted and when the chain is verified, and so that anyone holding an export
 * of the table can re-implement it:
 *
 *   hash = lowercase hex of SHA-256( UTF-8( prev_hash + canonical(row) ) )
 *
 * where prev_hash is the previous row's hash (by id), or GENESIS_HASH for the first row, and
 * canonical(row) is the JSON text of this fixed-order array (no whitespace):
 *
 *   ["audit-event/v1", event_id, occurred_at, service, action, user_id, actor_id, success,
 *    ip, user_agent, request_id, details, received_at]
 *
 * with event_id a lower-case UUID, both timestamps as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, six
 * fractional digits), and details serialised by the JSON Canonicalization Scheme (RFC 8785):
 * object keys sorted by UTF-16 code units, numbers and strings as ECMAScript's JSON.stringify
 * writes them. The row's own id is not hashed: its place is fixed by prev_hash.
 */

export const GENESIS_HASH = '0'.repeat(64);
export const CANONICAL_FORMAT = 'audit-event/v1';

/** The hashed content of one row, in canonical form (the API shows it as it was hashed). */
export type ChainedFields = Static<typeof ChainedFieldsSchema>;

/** RFC 8785 serialisation of a JSON value (what JSON.parse returns). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((item: unknown) => canonicalJson(item ?? null)).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError(`not a JSON value: ${typeof value}`);
  return text;
}

export function canonicalForm(fields: ChainedFields): string {
  return canonicalJson([
    CANONICAL_FORMAT,
    fields.event_id,
    fields.occurred_at,
    fields.service,
    fields.action,
    fields.user_id,
    fields.actor_id,
    fields.success,
    fields.ip,
    fields.user_agent,
    fields.request_id,
    fields.details,
    fields.received_at,
  ]);
}

/** The hash of a row that follows a row whose hash is prevHash. */
export function chainHash(prevHash: string, fields: ChainedFields): string {
  return createHash('sha256')
    .update(prevHash + canonicalForm(fields), 'utf8')
    .digest('hex');
}
