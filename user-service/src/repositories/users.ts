import type { Db } from './db.js';
import { FOREIGN_KEY_VIOLATION, sqlState } from './db.js';

export interface UserRow {
  id: number;
  email: string | null;
  username: string | null;
  name: string;
  last_name: string;
  status: string;
  role: string;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

const COLUMNS = `id, email, username, name, last_name, status, role, created_at, updated_at,
  deleted_at`;

/** A page of local users by name, accounts deleted in auth-service left out. */
export async function listUsers(
  db: Db,
  page: { limit: number; offset: number },
): Promise<{ rows: UserRow[]; total: number }> {
  const [list, count] = await Promise.all([
    db.query<UserRow>(
      `SELECT ${COLUMNS} FROM users WHERE deleted_at IS NULL
        ORDER BY name, id LIMIT $1 OFFSET $2`,
      [page.limit, page.offset],
    ),
    db.query<{ total: number }>(
      'SELECT count(*)::int AS total FROM users WHERE deleted_at IS NULL',
    ),
  ]);
  return { rows: list.rows, total: count.rows[0]?.total ?? 0 };
}

export async function findUser(db: Db, id: number): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0];
}

export interface ProfileFields {
  name: string;
  last_name: string;
  status: string;
}

/** A profile created by an admin (not an auth-service account: synced_at stays NULL). */
export async function createUser(db: Db, fields: ProfileFields): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    'INSERT INTO users (name, last_name, status) VALUES ($1, $2, $3) RETURNING id',
    [fields.name, fields.last_name, fields.status],
  );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('INSERT … RETURNING gave no row');
  return id;
}

/** false when no such user. */
export async function updateUser(db: Db, id: number, fields: ProfileFields): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE users SET name = $2, last_name = $3, status = $4, updated_at = now() WHERE id = $1`,
    [id, fields.name, fields.last_name, fields.status],
  );
  return rowCount === 1;
}

export type DeleteOutcome = 'deleted' | 'not_found' | 'in_use';

/** Deletes a user with no attendance rows (events they created lose their creator). */
export async function deleteUser(db: Db, id: number): Promise<DeleteOutcome> {
  try {
    const { rowCount } = await db.query('DELETE FROM users WHERE id = $1', [id]);
    return rowCount === 1 ? 'deleted' : 'not_found';
  } catch (err) {
    if (sqlState(err) === FOREIGN_KEY_VIOLATION) return 'in_use';
    throw err;
  }
}

/** active_users_total: accounts not deleted. */
export async function countActiveUsers(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM users WHERE deleted_at IS NULL',
  );
  return rows[0]?.n ?? 0;
}
