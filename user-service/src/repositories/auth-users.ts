import type { Pool } from '@cloud-backend/shared';

/**
 * The columns of auth-service's `users` this service reads, with a read-only role
 * (docs/compatibility.md#user-sync).
 */
export interface AuthUser {
  id: number;
  email: string | null;
  username: string | null;
  role: string;
  name: string | null;
  surname: string | null;
  created_at: Date;
}

const COLUMNS = 'id, email, username, role, name, surname, created_at';

export async function findAuthUser(auth: Pool, id: number): Promise<AuthUser | undefined> {
  const { rows } = await auth.query<AuthUser>({
    // Every first-seen account asks: prepared once per connection.
    name: 'find-auth-user',
    text: `SELECT ${COLUMNS} FROM users WHERE id = $1`,
    values: [id],
  });
  return rows[0];
}

/** The accounts among `ids` that still exist. */
export async function findAuthUsers(auth: Pool, ids: number[]): Promise<AuthUser[]> {
  const { rows } = await auth.query<AuthUser>(
    `SELECT ${COLUMNS} FROM users WHERE id = ANY($1::int[])`,
    [ids],
  );
  return rows;
}
