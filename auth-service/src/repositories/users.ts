import type { Queryable } from './queryable.js';

export type Role = 'user' | 'admin';

export interface UserRow {
  id: number;
  email: string | null;
  username: string;
  name: string;
  surname: string;
  role: Role;
  created_at: Date;
  last_login: Date | null;
}

export interface LoginUserRow extends UserRow {
  password: string;
  locked_until: Date | null;
}

const USER_COLUMNS = 'id, email, username, name, surname, role, created_at, last_login';

export interface NewUser {
  email: string | null;
  username: string;
  name: string;
  surname: string;
  passwordHash: string;
  role?: Role;
}

/** Inserts unless the email or username is taken (case-insensitively); null when taken. */
export async function insertUser(db: Queryable, user: NewUser): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (email, username, name, surname, password, role)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING
     RETURNING ${USER_COLUMNS}`,
    [user.email, user.username, user.name, user.surname, user.passwordHash, user.role ?? 'user'],
  );
  return rows[0] ?? null;
}

export async function emailTaken(db: Queryable, email: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM users WHERE lower(email) = lower($1)', [
    email,
  ]);
  return (rowCount ?? 0) > 0;
}

/**
 * The account an identifier names: its email or its username, case-insensitively. An email
 * match wins, so an account can never be reached through another account's username.
 */
export async function findForLogin(
  db: Queryable,
  identifier: string,
): Promise<LoginUserRow | null> {
  const { rows } = await db.query<LoginUserRow>(
    `SELECT ${USER_COLUMNS}, password, locked_until
       FROM users
      WHERE lower(email) = lower($1) OR lower(username) = lower($1)
      ORDER BY (lower(email) = lower($1)) IS TRUE DESC
      LIMIT 1`,
    [identifier],
  );
  return rows[0] ?? null;
}

export async function findById(db: Queryable, id: number): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

export async function findPasswordHash(db: Queryable, id: number): Promise<string | null> {
  const { rows } = await db.query<{ password: string }>(
    'SELECT password FROM users WHERE id = $1',
    [id],
  );
  return rows[0]?.password ?? null;
}

/** After a successful login: stamp last_login, clear the failure count, maybe a new hash. */
export async function recordSuccessfulLogin(
  db: Queryable,
  id: number,
  newHash: string | null,
): Promise<void> {
  await db.query(
    `UPDATE users
        SET last_login = now(), failed_logins = 0, failed_window_started_at = NULL,
            locked_until = NULL, password = coalesce($2, password)
      WHERE id = $1`,
    [id, newHash],
  );
}

/**
 * Counts a wrong password. Failures inside one window of `minutes` add up; reaching
 * `threshold` locks the account for `minutes` and starts a new count. Atomic, so parallel
 * guesses are all counted.
 */
export async function recordFailedLogin(
  db: Queryable,
  id: number,
  threshold: number,
  minutes: number,
): Promise<{ lockedNow: boolean; lockedUntil: Date | null }> {
  const { rows } = await db.query<{ locked_now: boolean; locked_until: Date | null }>(
    `WITH counted AS (
       SELECT id,
              CASE WHEN failed_window_started_at > now() - make_interval(mins => $3)
                   THEN failed_logins + 1 ELSE 1 END AS failures,
              CASE WHEN failed_window_started_at > now() - make_interval(mins => $3)
                   THEN failed_window_started_at ELSE now() END AS window_start
         FROM users WHERE id = $1 FOR UPDATE
     )
     UPDATE users u
        SET failed_logins = CASE WHEN c.failures >= $2 THEN 0 ELSE c.failures END,
            failed_window_started_at = CASE WHEN c.failures >= $2 THEN NULL ELSE c.window_start END,
            locked_until = CASE WHEN c.failures >= $2 THEN now() + make_interval(mins => $3)
                                ELSE u.locked_until END
       FROM counted c
      WHERE u.id = c.id
      RETURNING c.failures >= $2 AS locked_now, u.locked_until`,
    [id, threshold, minutes],
  );
  return { lockedNow: rows[0]?.locked_now ?? false, lockedUntil: rows[0]?.locked_until ?? null };
}

export async function updatePassword(db: Queryable, id: number, hash: string): Promise<void> {
  await db.query('UPDATE users SET password = $2 WHERE id = $1', [id, hash]);
}

/** Locks the admins' rows so two demotions cannot both see "another admin remains". */
export async function lockAdmins(db: Queryable): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    "SELECT id FROM users WHERE role = 'admin' ORDER BY id FOR UPDATE",
  );
  return rows.map((row) => row.id);
}

export async function findRoleForUpdate(db: Queryable, id: number): Promise<Role | null> {
  const { rows } = await db.query<{ role: Role }>(
    'SELECT role FROM users WHERE id = $1 FOR UPDATE',
    [id],
  );
  return rows[0]?.role ?? null;
}

export async function setRole(db: Queryable, id: number, role: Role): Promise<void> {
  await db.query('UPDATE users SET role = $2 WHERE id = $1', [id, role]);
}

export async function deleteUser(db: Queryable, id: number): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(
    `DELETE FROM users WHERE id = $1 RETURNING ${USER_COLUMNS}`,
    [id],
  );
  return rows[0] ?? null;
}

export async function anyAdminExists(db: Queryable): Promise<boolean> {
  const { rowCount } = await db.query("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1");
  return (rowCount ?? 0) > 0;
}
