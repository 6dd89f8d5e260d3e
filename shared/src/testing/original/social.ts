/**
 * The social-log database (`social_logs_db`) as deployments of the original had it.
 *
 * The social-log-service never created its table: it only inserted into `social_logs`, its
 * schema.sql was applied by nothing (no migration step, no init-script mount in compose), so a
 * deployment's database is the empty one the postgres image made for POSTGRES_DB, and every
 * insert failed (500). Only an operator who ran schema.sql by hand had the table; then the
 * service stored each log with the wall-clock time it was sent (the offset dropped).
 */

import type pg from 'pg';
import { attempt, type WriteError } from './write-helpers.js';

/** The table of schema.sql, in our words. */
export const SOCIAL_LOGS_TABLE = `create table if not exists social_logs (
  id serial primary key,
  social varchar(50) not null,
  "timestamp" timestamp not null,
  content text not null,
  status varchar(20) not null
)`;

/**
 * Prepares a social-log database as a deployment had it: nothing at all (the default), or,
 * with `tableCreatedByHand`, the table of schema.sql.
 */
export async function createOriginalSocialSchema(
  client: pg.ClientBase,
  options: { tableCreatedByHand?: boolean } = {},
): Promise<void> {
  if (options.tableCreatedByHand) await client.query(SOCIAL_LOGS_TABLE);
}

export interface SocialLogInput {
  social: string;
  /** RFC 3339 as the client sent it, e.g. `2025-06-22T10:00:00+02:00`. */
  timestamp: string;
  content: string;
  status: string;
}

/**
 * `POST /api/social/log` of the original: 400 when a field is empty, otherwise one insert,
 * 500 when it fails (no table, `social` over 50 or `status` over 20 characters, …), else 201.
 */
export async function writeSocialLogAsOriginal(
  client: pg.ClientBase,
  log: SocialLogInput,
): Promise<{ status: 201 | 400 | 500; errors: WriteError[] }> {
  if (log.social === '' || log.content === '' || log.status === '' || log.timestamp === '') {
    return { status: 400, errors: [] };
  }
  // The service handed its Go time (with the client's offset) to a timestamp column, which
  // keeps the wall-clock part: the same as sending the text as it came.
  const wallClock = log.timestamp.replace(/(Z|[+-]\d{2}:\d{2})$/, '');
  const inserted = await attempt(
    client,
    'insert social log',
    'insert into social_logs (social, "timestamp", content, status) values ($1, $2, $3, $4)',
    [log.social, wallClock, log.content, log.status],
  );
  return inserted.ok ? { status: 201, errors: [] } : { status: 500, errors: [inserted.error] };
}
