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

/**
 * Inserts unless the e-mail or username is taken, in any case, by any account: in the same
 * column (the unique indexes, race-free) or across them, and by the flagged accounts the
 * original let collide (the explicit check, which the indexes leave out). Null when taken.
 */
export async function insertUser(db: Queryable, user: NewUser): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (email, username, name, surname, password, role)
     SELECT $1::varchar, $2::varchar, $3, $4, $5, $6
      WHERE NOT EXISTS (SELECT 1 FROM users
                         WHERE lower(email) IN (lower($1), lower($2))
                            OR lower(username) IN (lower($1), lower($2)))
     ON CONFLICT DO NOTHING
     RETURNING ${USER_COLUMNS}`,
    [user.email, user.username, user.name, user.surname, user.passwordHash, user.role ?? 'user'],
  );
  return rows[0] ?? null;
}

/** Whether any account has this address as its e-mail or as its username, in any case. */
export async function emailTaken(db: Queryable, email: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'SELECT 1 FROM users WHERE lower(email) = lower($1) OR lower(username) = lower($1)',
    [email],
  );
  return (rowCount ?? 0) > 0;
}

/** Most accounts one identifier can name (a group the original let collide is two or three). */
export const MAX_LOGIN_CANDIDATES = 5;

export interface LoginCandidate extends LoginUserRow {
  /**
   * The identifier equals, exactly, the account's e-mail as the original stored it or its
   * username: the original would have found this account with it.
   */
  exact: boolean;
}

/**
 * The accounts an identifier can name: its e-mail (bare and lower-cased, or as the original
 * stored it) or its username, in any case. Exact matches first, then by id; at most
 * MAX_LOGIN_CANDIDATES. Outside the conflicts the original left behind there is one at most.
 */
export async function findLoginCandidates(
  db: Queryable,
  lookup: { raw: string; address: string; trimmed: string },
): Promise<LoginCandidate[]> {
  const { rows } = await db.query<LoginCandidate>(
    `SELECT ${USER_COLUMNS}, password,
            (coalesce(original_email, email) = $1 OR username = $1) IS TRUE AS exact
       FROM users
      WHERE lower(email) = lower($2) OR lower(username) = lower($3) OR original_email = $1
      ORDER BY exact DESC, id
      LIMIT ${String(MAX_LOGIN_CANDIDATES)}`,
    [lookup.raw, lookup.address, lookup.trimmed],
  );
  return rows;
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

/**
 * After a successful login: stamp last_login, maybe a new hash. The failure columns are those
 * of an earlier version of the port, cleared here; failures now live in login_throttle.
 */
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

/**
 * Puts accounts the original let collide back under the uniqueness indexes once nothing shares
 * their e-mail or username any more (after a deletion).
 */
export async function clearResolvedDuplicates(db: Queryable): Promise<void> {
  await db.query(
    `UPDATE users u SET legacy_email_duplicate = false
      WHERE legacy_email_duplicate
        AND NOT EXISTS (SELECT 1 FROM users o
                         WHERE o.id <> u.id AND lower(o.email) = lower(u.email))`,
  );
  await db.query(
    `UPDATE users u SET legacy_username_duplicate = false
      WHERE legacy_username_duplicate
        AND NOT EXISTS (SELECT 1 FROM users o
                         WHERE o.id <> u.id AND lower(o.username) = lower(u.username))`,
  );
}

export async function anyAdminExists(db: Queryable): Promise<boolean> {
  const { rowCount } = await db.query("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1");
  return (rowCount ?? 0) > 0;
}
