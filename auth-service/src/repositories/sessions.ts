import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from './queryable.js';
import { pruneRevocations } from './revocations.js';

export type RevocationReason =
  | 'logout'
  | 'password_change'
  | 'role_change'
  | 'user_deleted'
  | 'refresh_reuse'
  // Ended from the list of signed-in devices, by logout with a scope, or by an admin.
  | 'session_ended'
  | 'logout_others'
  | 'logout_global'
  | 'admin_revoked';

export interface SessionSettings {
  /** Seconds an unused session stays refreshable. */
  refreshTtl: number;
  /** Seconds an access token lives: how long a revocation must be remembered. */
  accessTtl: number;
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

async function issueRefreshToken(db: Queryable, sessionId: string): Promise<string> {
  const token = newRefreshToken();
  await db.query('INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)', [
    hashToken(token),
    sessionId,
  ]);
  return token;
}

export interface NewSession {
  userId: number;
  identifier: string;
  ip: string | null;
  userAgent: string | null;
}

export async function createSession(
  db: Queryable,
  session: NewSession,
  settings: SessionSettings,
): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = randomUUID();
  await db.query(
    `INSERT INTO sessions
       (id, user_id, identifier, expires_at, ip_address, user_agent, last_ip_address, last_user_agent)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5, $6, $5, $6)`,
    [
      sessionId,
      session.userId,
      session.identifier.slice(0, 255),
      settings.refreshTtl,
      session.ip,
      session.userAgent,
    ],
  );
  return { sessionId, refreshToken: await issueRefreshToken(db, sessionId) };
}

export type RotateOutcome =
  | { kind: 'rotated'; sessionId: string; userId: number; identifier: string; refreshToken: string }
  | { kind: 'reused'; sessionId: string; userId: number }
  | { kind: 'invalid' };

/**
 * Exchanges a refresh token for a new one in the same session. Each token works once: a token
 * presented after it was used means two parties hold it, so the whole session is revoked.
 * Claiming the token is one UPDATE, so of two concurrent refreshes exactly one wins.
 */
export async function rotateRefreshToken(
  db: Queryable,
  token: string,
  settings: SessionSettings,
  client: { ip: string | null; userAgent: string | null } = { ip: null, userAgent: null },
): Promise<RotateOutcome> {
  const tokenHash = hashToken(token);
  const claimed = await db.query<{ session_id: string }>(
    `UPDATE refresh_tokens SET used_at = now()
      WHERE token_hash = $1 AND used_at IS NULL
      RETURNING session_id`,
    [tokenHash],
  );
  const sessionId = claimed.rows[0]?.session_id;
  if (sessionId === undefined) {
    const { rows } = await db.query<{ session_id: string; user_id: number }>(
      `SELECT r.session_id, s.user_id FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id
        WHERE r.token_hash = $1`,
      [tokenHash],
    );
    const reused = rows[0];
    if (!reused) return { kind: 'invalid' };
    await revokeSession(db, reused.session_id, 'refresh_reuse', settings);
    return { kind: 'reused', sessionId: reused.session_id, userId: reused.user_id };
  }
  const { rows } = await db.query<{ user_id: number; identifier: string }>(
    `UPDATE sessions
        SET last_used_at = now(), expires_at = now() + make_interval(secs => $2),
            last_ip_address = coalesce($3, last_ip_address),
            last_user_agent = coalesce($4, last_user_agent)
      WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()
      RETURNING user_id, identifier`,
    [sessionId, settings.refreshTtl, client.ip, client.userAgent],
  );
  const session = rows[0];
  if (!session) return { kind: 'invalid' };
  return {
    kind: 'rotated',
    sessionId,
    userId: session.user_id,
    identifier: session.identifier,
    refreshToken: await issueRefreshToken(db, sessionId),
  };
}

export async function isSessionActive(db: Queryable, sessionId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'SELECT 1 FROM sessions WHERE id = $1 AND revoked_at IS NULL',
    [sessionId],
  );
  return (rowCount ?? 0) > 0;
}

// Revocations are appended under one transaction-scoped lock, so their ids become visible in
// id order; a poller reading "id > cursor" therefore never skips a row committed late.
const REVOCATION_LOCK = 7_201_001;

async function appendRevocations(
  db: Queryable,
  sessions: { id: string; user_id: number }[],
  reason: RevocationReason,
  settings: SessionSettings,
): Promise<void> {
  if (sessions.length === 0) return;
  await db.query('SELECT pg_advisory_xact_lock($1)', [REVOCATION_LOCK]);
  await db.query(
    `INSERT INTO revocations (session_id, user_id, reason, relevant_until)
     SELECT s.id, s.user_id, $3, now() + make_interval(secs => $4)
       FROM unnest($1::uuid[], $2::int[]) AS s(id, user_id)`,
    [sessions.map((s) => s.id), sessions.map((s) => s.user_id), reason, settings.accessTtl],
  );
  await pruneRevocations(db);
}

/** Ends one session; its access tokens stop working at the gateway within its poll period. */
export async function revokeSession(
  db: Queryable,
  sessionId: string,
  reason: RevocationReason,
  settings: SessionSettings,
): Promise<boolean> {
  const { rows } = await db.query<{ id: string; user_id: number }>(
    `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
      WHERE id = $1 AND revoked_at IS NULL RETURNING id, user_id`,
    [sessionId, reason],
  );
  await appendRevocations(db, rows, reason, settings);
  return rows.length > 0;
}

/** Ends every session of a user, but `keep` (the session changing its own password). */
export async function revokeUserSessions(
  db: Queryable,
  userId: number,
  reason: RevocationReason,
  settings: SessionSettings,
  keep?: string,
): Promise<number> {
  const { rows } = await db.query<{ id: string; user_id: number }>(
    `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
      WHERE user_id = $1 AND revoked_at IS NULL AND ($3::uuid IS NULL OR id <> $3::uuid)
      RETURNING id, user_id`,
    [userId, reason, keep ?? null],
  );
  await appendRevocations(db, rows, reason, settings);
  return rows.length;
}

/** One signed-in device: a session neither revoked nor expired. */
export interface DeviceSessionRow {
  id: string;
  user_agent: string | null;
  ip_address: string | null;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
}

/** The user's live sessions, the most recently used first. */
export async function listActiveSessions(
  db: Queryable,
  userId: number,
): Promise<DeviceSessionRow[]> {
  const { rows } = await db.query<DeviceSessionRow>(
    `SELECT id, coalesce(last_user_agent, user_agent) AS user_agent,
            coalesce(last_ip_address, ip_address) AS ip_address,
            created_at, last_used_at, expires_at
       FROM sessions
      WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
      ORDER BY last_used_at DESC, created_at DESC`,
    [userId],
  );
  return rows;
}

/** Ends one session of this user only; false for another's, an unknown or an ended one. */
export async function revokeOwnSession(
  db: Queryable,
  userId: number,
  sessionId: string,
  reason: RevocationReason,
  settings: SessionSettings,
): Promise<boolean> {
  const { rows } = await db.query<{ id: string; user_id: number }>(
    `UPDATE sessions SET revoked_at = now(), revoked_reason = $3
      WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id, user_id`,
    [sessionId, userId, reason],
  );
  await appendRevocations(db, rows, reason, settings);
  return rows.length > 0;
}
