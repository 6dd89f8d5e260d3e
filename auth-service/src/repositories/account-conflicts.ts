import type { Queryable } from './queryable.js';
import type { UserRow } from './users.js';

export type ConflictKind = 'email' | 'username' | 'username_is_email';

/** A group of accounts the original let collide (the account_conflicts view). */
export interface ConflictRow {
  kind: ConflictKind;
  /** The shared e-mail or username, lower-case. */
  key: string;
  user_ids: number[];
}

export interface ConflictUserRow extends UserRow {
  /** The e-mail as the original stored it, where that differs from `email`. */
  original_email: string | null;
}

export async function listConflicts(db: Queryable): Promise<ConflictRow[]> {
  const { rows } = await db.query<ConflictRow>(
    'SELECT kind, key, user_ids FROM account_conflicts ORDER BY kind, key',
  );
  return rows;
}

/** How many groups there are, and how many accounts are in at least one. */
export async function countConflicts(db: Queryable): Promise<{ groups: number; accounts: number }> {
  const { rows } = await db.query<{ groups: number; accounts: number }>(
    `SELECT count(DISTINCT (c.kind, c.key))::int AS groups, count(DISTINCT id)::int AS accounts
       FROM account_conflicts c, unnest(c.user_ids) AS id`,
  );
  return rows[0] ?? { groups: 0, accounts: 0 };
}

export async function findConflictUsers(db: Queryable, ids: number[]): Promise<ConflictUserRow[]> {
  const { rows } = await db.query<ConflictUserRow>(
    `SELECT id, email, original_email, username, name, surname, role, created_at, last_login
       FROM users WHERE id = ANY($1::int[]) ORDER BY id`,
    [ids],
  );
  return rows;
}
