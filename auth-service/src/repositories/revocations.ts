import type { Queryable } from './queryable.js';

export interface RevocationRow {
  id: string;
  session_id: string;
  user_id: number;
  reason: string;
  revoked_at: Date;
  relevant_until: Date;
}

/**
 * Revocations after `cursor` whose access tokens could still be alive, oldest first. Starting
 * from 0 gives a new poller everything it must know.
 */
export async function revocationsSince(
  db: Queryable,
  cursor: string,
  limit: number,
): Promise<RevocationRow[]> {
  const { rows } = await db.query<RevocationRow>(
    `SELECT id::text AS id, session_id, user_id, reason, revoked_at, relevant_until
       FROM revocations
      WHERE id > $1::bigint AND relevant_until > now()
      ORDER BY id LIMIT $2`,
    [cursor, limit],
  );
  return rows;
}

/** Rows nobody needs any more: their tokens expired a day ago or more. */
export async function pruneRevocations(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(
    "DELETE FROM revocations WHERE relevant_until < now() - interval '1 day'",
  );
  return rowCount ?? 0;
}
