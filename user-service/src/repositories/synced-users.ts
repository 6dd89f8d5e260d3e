import type { Db } from './db.js';

/** What the sync knows about one local user. */
export interface SyncedUser {
  id: number;
  email: string | null;
  username: string | null;
  role: string;
  name: string;
  last_name: string;
  created_at?: Date;
}

/**
 * For an account the service knows: its row refreshed from the token's claims (a NULL
 * username keeps the row's, as upsertSyncedUser does), in the same round trip that reads
 * its state. Absent and deleted rows are left alone: those need auth's database first.
 * Unchanged rows are not rewritten.
 */
export async function refreshKnownUser(
  db: Db,
  user: SyncedUser,
): Promise<{ deleted: boolean } | undefined> {
  const { rows } = await db.query<{ deleted: boolean }>({
    name: 'refresh-known-user',
    text: `WITH found AS (SELECT deleted_at IS NOT NULL AS deleted FROM users WHERE id = $1),
          refreshed AS (
            UPDATE users u
               SET email = $2, role = $3, name = $4, last_name = $5, synced_at = now(),
                   updated_at = now()
             WHERE u.id = $1 AND u.deleted_at IS NULL
               AND (u.email, u.role, u.name, u.last_name, u.synced_at IS NULL)
                   IS DISTINCT FROM ($2::varchar, $3::varchar, $4::text, $5::text, false))
     SELECT deleted FROM found`,
    values: [user.id, user.email, user.role, user.name, user.last_name],
  });
  return rows[0];
}

/**
 * Creates or refreshes the local copy of an auth-service account. A NULL username or
 * created_at (the token does not carry them) keeps what the row has. Unchanged rows are not
 * rewritten, so a user's every request does not cost a write.
 */
export async function upsertSyncedUser(db: Db, user: SyncedUser): Promise<void> {
  await db.query({
    name: 'upsert-synced-user',
    text: `INSERT INTO users AS u (id, email, username, role, name, last_name, status, created_at,
                             synced_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'active', COALESCE($7, now()), now(), now())
     ON CONFLICT (id) DO UPDATE
        SET email = excluded.email, username = COALESCE($3, u.username), role = excluded.role,
            name = excluded.name, last_name = excluded.last_name,
            created_at = COALESCE($7, u.created_at), deleted_at = NULL,
            synced_at = now(), updated_at = now()
      WHERE (u.email, u.role, u.name, u.last_name, u.deleted_at IS NOT NULL, u.synced_at IS NULL)
            IS DISTINCT FROM (excluded.email, excluded.role, excluded.name, excluded.last_name,
                              false, false)
         OR ($3::text IS NOT NULL AND u.username IS DISTINCT FROM $3)`,
    values: [
      user.id,
      user.email,
      user.username,
      user.role,
      user.name,
      user.last_name,
      user.created_at ?? null,
    ],
  });
}

export async function markDeleted(db: Db, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const { rowCount } = await db.query(
    `UPDATE users SET deleted_at = now(), updated_at = now()
      WHERE id = ANY($1::int[]) AND deleted_at IS NULL`,
    [ids],
  );
  return rowCount ?? 0;
}

/** One batch of local users that came from auth-service, by id, after `afterId`. */
export async function syncedUsersAfter(
  db: Db,
  afterId: number,
  limit: number,
): Promise<SyncedUser[]> {
  const { rows } = await db.query<SyncedUser>(
    `SELECT id, email, username, role, name, last_name FROM users
      WHERE synced_at IS NOT NULL AND deleted_at IS NULL AND id > $1
      ORDER BY id LIMIT $2`,
    [afterId, limit],
  );
  return rows;
}
