import { withTransaction, type AccessTokenClaims } from '@cloud-backend/shared';
import { ERRORS, fail } from '../messages.js';
import {
  listActiveSessions,
  revokeOwnSession,
  revokeUserSessions,
} from '../repositories/sessions.js';
import { findById } from '../repositories/users.js';
import { recordAuthEvent } from './auth-events.js';
import type { AuthDeps } from './deps.js';
import type { RequestContext } from './request-context.js';

/**
 * Sessions per device (docs/security.md, "Signed-in devices"): each sign-in is a session, and
 * its owner can list them and end any of them. Every session ended here goes into the same
 * revocation feed as a logout, so the gateway refuses its access tokens within its poll bound.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function listDevices(deps: AuthDeps, claims: AccessTokenClaims) {
  const rows = await listActiveSessions(deps.pool, claims.user_id);
  return rows.map((row) => ({
    id: row.id,
    user_agent: row.user_agent,
    ip_address: row.ip_address,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    current: row.id === claims.sid,
  }));
}

/** DELETE /sessions/:id: one of the caller's own sessions; another's is not found. */
export async function endDevice(
  deps: AuthDeps,
  context: RequestContext,
  claims: AccessTokenClaims,
  sessionId: string,
): Promise<void> {
  if (!UUID.test(sessionId)) fail(404, ERRORS.sessionNotFound);
  await withTransaction(deps.pool, async (db) => {
    const ended = await revokeOwnSession(
      db,
      claims.user_id,
      sessionId,
      'session_ended',
      deps.settings,
    );
    if (!ended) fail(404, ERRORS.sessionNotFound);
    await recordAuthEvent(db, context, {
      action: 'session_ended',
      success: true,
      email: claims.email,
      username: null,
      userId: claims.user_id,
      details: { session_id: sessionId, by_session: claims.sid ?? null },
    });
  });
}

export type LogoutScope = 'others' | 'global';

/**
 * POST /logout with a scope: "others" ends every session of the account but this one,
 * "global" every one, this one included. Returns how many ended.
 */
export async function logoutScope(
  deps: AuthDeps,
  context: RequestContext,
  claims: AccessTokenClaims,
  scope: LogoutScope,
): Promise<number> {
  return withTransaction(deps.pool, async (db) => {
    const revoked = await revokeUserSessions(
      db,
      claims.user_id,
      scope === 'others' ? 'logout_others' : 'logout_global',
      deps.settings,
      scope === 'others' ? claims.sid : undefined,
    );
    await recordAuthEvent(db, context, {
      action: scope === 'global' ? 'logout' : 'session_ended',
      success: true,
      email: claims.email,
      username: null,
      userId: claims.user_id,
      details: { scope, sessions_revoked: revoked, by_session: claims.sid ?? null },
    });
    return revoked;
  });
}

/** DELETE /admin/users/:id/sessions: every session of that account ends. */
export async function endAllSessionsOf(
  deps: AuthDeps,
  context: RequestContext,
  actor: AccessTokenClaims,
  userId: number,
): Promise<number> {
  return withTransaction(deps.pool, async (db) => {
    const user = await findById(db, userId);
    if (!user) fail(404, ERRORS.userNotFound);
    const revoked = await revokeUserSessions(db, userId, 'admin_revoked', deps.settings);
    await recordAuthEvent(db, context, {
      action: 'sessions_revoked_by_admin',
      success: true,
      email: user.email ?? '',
      username: user.username,
      userId,
      actorId: actor.user_id,
      details: { sessions_revoked: revoked },
    });
    return revoked;
  });
}
