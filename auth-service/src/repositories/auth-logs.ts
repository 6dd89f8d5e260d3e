import type { Queryable } from './queryable.js';

/** auth_logs.action values: the original's two, then the port's. */
export const AUTH_ACTIONS = [
  'login_success',
  'login_failed_wrong_password',
  'login_failed_user_not_found',
  'login_blocked_locked',
  'account_locked',
  'register',
  'logout',
  'password_change',
  'password_change_failed',
  'role_change',
  'user_deleted',
  'refresh_token_reuse',
  'session_ended',
  'sessions_revoked_by_admin',
  'login_mfa_required',
  'mfa_enrolment_required',
  'mfa_failed',
  'mfa_recovery_code_used',
  'mfa_enabled',
  'mfa_disabled',
] as const;
export type AuthAction = (typeof AUTH_ACTIONS)[number];

export interface AuthLogEntry {
  action: AuthAction;
  success: boolean;
  userEmail: string;
  username: string | null;
  userId: number | null;
  actorId: number | null;
  ip: string | null;
  userAgent: string | null;
}

export async function insertAuthLog(db: Queryable, entry: AuthLogEntry): Promise<void> {
  await db.query(
    `INSERT INTO auth_logs
       (user_email, username, action, ip_address, user_agent, success, user_id, actor_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      entry.userEmail.slice(0, 255),
      entry.username?.slice(0, 255) ?? null,
      entry.action,
      entry.ip,
      entry.userAgent,
      entry.success,
      entry.userId,
      entry.actorId,
    ],
  );
}

export interface AuthLogFilter {
  userId?: number;
  email?: string;
  action?: string;
  success?: boolean;
  /** Canonical UTC timestamps (parseTimeRange), kept as text to keep their microseconds. */
  from?: string;
  to?: string;
}

export interface AuthLogRow {
  id: number;
  user_email: string;
  username: string;
  action: string;
  timestamp: Date;
  ip_address: string;
  user_agent: string;
  success: boolean;
}

export interface AuthLogStats {
  total: number;
  successes: number;
  failures: number;
  unique_users: number;
}

function where(filter: AuthLogFilter): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    clauses.push(clause(`$${String(params.length)}`));
  };
  if (filter.userId !== undefined) add((p) => `l.user_id = ${p}`, filter.userId);
  if (filter.email !== undefined) add((p) => `lower(l.user_email) = lower(${p})`, filter.email);
  if (filter.action !== undefined) add((p) => `l.action = ${p}`, filter.action);
  if (filter.success !== undefined) add((p) => `l.success = ${p}`, filter.success);
  if (filter.from !== undefined) add((p) => `l."timestamp" >= ${p}`, filter.from);
  if (filter.to !== undefined) add((p) => `l."timestamp" <= ${p}`, filter.to);
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** Counts for the filter, computed by PostgreSQL (the original loaded the whole table). */
export async function authLogStats(db: Queryable, filter: AuthLogFilter): Promise<AuthLogStats> {
  const { sql, params } = where(filter);
  const { rows } = await db.query<Record<keyof AuthLogStats, string>>(
    `SELECT count(*) AS total,
            count(*) FILTER (WHERE l.success) AS successes,
            count(*) FILTER (WHERE NOT l.success) AS failures,
            count(DISTINCT l.user_id) AS unique_users
       FROM auth_logs l ${sql}`,
    params,
  );
  const row = rows[0];
  return {
    total: Number(row?.total ?? 0),
    successes: Number(row?.successes ?? 0),
    failures: Number(row?.failures ?? 0),
    unique_users: Number(row?.unique_users ?? 0),
  };
}

/** One page, newest first; the username is the account's current one, else the one logged. */
export async function authLogPage(
  db: Queryable,
  filter: AuthLogFilter,
  limit: number,
  offset: bigint,
): Promise<AuthLogRow[]> {
  const { sql, params } = where(filter);
  const { rows } = await db.query<AuthLogRow>(
    `SELECT l.id, l.user_email, coalesce(u.username, l.username, '') AS username, l.action,
            l."timestamp", coalesce(l.ip_address, '') AS ip_address,
            coalesce(l.user_agent, '') AS user_agent, l.success
       FROM auth_logs l
       LEFT JOIN users u ON u.id = l.user_id
       ${sql}
      ORDER BY l."timestamp" DESC, l.id DESC
      LIMIT $${String(params.length + 1)} OFFSET $${String(params.length + 2)}`,
    [...params, limit, offset.toString()],
  );
  return rows;
}
