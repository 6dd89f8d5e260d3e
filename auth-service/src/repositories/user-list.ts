import type { Queryable } from './queryable.js';
import type { Role, UserRow } from './users.js';

export interface UserListFilter {
  /** Matched against email, username, name and surname, case-insensitively. */
  q?: string;
  role?: Role;
}

function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function where(filter: UserListFilter): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.role !== undefined) {
    params.push(filter.role);
    clauses.push(`role = $${String(params.length)}`);
  }
  if (filter.q !== undefined && filter.q !== '') {
    params.push(likePattern(filter.q));
    const p = `$${String(params.length)}`;
    clauses.push(
      `(lower(coalesce(email, '')) LIKE ${p} OR lower(username) LIKE ${p}` +
        ` OR lower(name) LIKE ${p} OR lower(surname) LIKE ${p})`,
    );
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export async function countUsers(db: Queryable, filter: UserListFilter): Promise<number> {
  const { sql, params } = where(filter);
  const { rows } = await db.query<{ count: string }>(
    `SELECT count(*) AS count FROM users ${sql}`,
    params,
  );
  return Number(rows[0]?.count ?? 0);
}

/** Newest accounts first, as the original listed them, with id as the tie-breaker. */
export async function listUsers(
  db: Queryable,
  filter: UserListFilter,
  limit: number,
  offset: bigint,
): Promise<UserRow[]> {
  const { sql, params } = where(filter);
  const { rows } = await db.query<UserRow>(
    `SELECT id, email, username, name, surname, role, created_at, last_login
       FROM users ${sql}
      ORDER BY created_at DESC, id DESC
      LIMIT $${String(params.length + 1)} OFFSET $${String(params.length + 2)}`,
    [...params, limit, offset.toString()],
  );
  return rows;
}
