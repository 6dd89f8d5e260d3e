import { type Pool, canonicalUtcSql, toApiTimestamp } from '@cloud-backend/shared';
import type { Static } from 'typebox';
import type { SocialLogReply } from '../schemas/social-logs.js';
import { WhereClause, type Page } from './where-clause.js';

/** A stored social log as the API returns it (the route's reply schema). */
export type SocialLog = Static<typeof SocialLogReply>;

export interface NewSocialLog {
  userId: number;
  social: string;
  /** Canonical UTC form (Instant.utc). */
  timestamp: string;
  content: string;
  status: string;
}

export interface SocialLogFilter {
  userId?: number;
  social?: string;
  status?: string;
  /** Canonical UTC forms; both bounds inclusive. */
  from?: string;
  to?: string;
}

type Row = SocialLog;

const COLUMNS = `id, user_id, social, ${canonicalUtcSql('"timestamp"')} AS "timestamp", content,
  status, ${canonicalUtcSql('created_at')} AS created_at`;

function toSocialLog(row: Row): SocialLog {
  return {
    ...row,
    timestamp: toApiTimestamp(row.timestamp),
    created_at: toApiTimestamp(row.created_at),
  };
}

export async function insertSocialLog(pool: Pool, log: NewSocialLog): Promise<SocialLog> {
  const { rows } = await pool.query<Row>(
    `INSERT INTO social_logs (user_id, social, "timestamp", content, status)
     VALUES ($1, $2, $3::timestamptz, $4, $5)
     RETURNING ${COLUMNS}`,
    [log.userId, log.social, log.timestamp, log.content, log.status],
  );
  return toSocialLog(rows[0] as Row);
}

/** One page of the entries matching the filter, newest first, and how many match in all. */
export async function listSocialLogs(
  pool: Pool,
  filter: SocialLogFilter,
  page: Page,
): Promise<{ logs: SocialLog[]; total: number }> {
  const where = new WhereClause()
    .add('user_id', '=', filter.userId)
    .add('social', '=', filter.social)
    .add('status', '=', filter.status)
    .add('"timestamp"', '>=', filter.from, '::timestamptz')
    .add('"timestamp"', '<=', filter.to, '::timestamptz');
  const count = await pool.query<{ total: number }>(
    `SELECT count(*)::integer AS total FROM social_logs ${where.toString()}`,
    where.values,
  );
  const paged = where.paged(page);
  const { rows } = await pool.query<Row>(
    `SELECT ${COLUMNS} FROM social_logs ${where.toString()}
     ORDER BY "timestamp" DESC, id DESC ${paged.sql}`,
    paged.values,
  );
  return { logs: rows.map(toSocialLog), total: count.rows[0]?.total ?? 0 };
}
