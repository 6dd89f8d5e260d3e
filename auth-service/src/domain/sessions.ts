import { HttpError, metrics, withTransaction, type AccessTokenClaims } from '@cloud-backend/shared';
import { ERRORS } from '../messages.js';
import {
  revokeSession,
  revokeUserSessions,
  rotateRefreshToken,
  type RotateOutcome,
} from '../repositories/sessions.js';
import { findById, findPasswordHash, updatePassword, type UserRow } from '../repositories/users.js';
import { recordAuthEvent, SERVICE } from './auth-events.js';
import type { AuthDeps } from './deps.js';
import { PASSWORD_MAX_BYTES, passwordBytes, passwordLength } from './passwords.js';
import type { RequestContext } from './request-context.js';
import { accountSubject, addressKey, refusalError } from './throttle.js';
import { accessTokenClaims, sessionReply, type SessionReply } from './tokens.js';

function unauthorized(body: { error: string; code: string }): HttpError {
  return new HttpError(401, body.code, body.error);
}

/**
 * POST /refresh: a new access token with the account's current role and names, and a new
 * refresh token; the old one is spent. Presenting a spent one revokes the session.
 */
export async function refresh(
  deps: AuthDeps,
  context: RequestContext,
  refreshToken: string,
): Promise<SessionReply> {
  const { settings } = deps;
  const result = await withTransaction(
    deps.pool,
    async (db): Promise<{ outcome: RotateOutcome; user: UserRow | null }> => {
      const outcome = await rotateRefreshToken(db, refreshToken, settings, context);
      if (outcome.kind === 'invalid') return { outcome, user: null };
      const user = await findById(db, outcome.userId);
      if (outcome.kind === 'reused' && user) {
        await recordAuthEvent(db, context, {
          action: 'refresh_token_reuse',
          success: false,
          email: user.email ?? '',
          username: user.username,
          userId: user.id,
          details: { session_id: outcome.sessionId },
        });
      }
      return { outcome, user };
    },
  );
  const { outcome, user } = result;
  if (outcome.kind === 'reused') throw unauthorized(ERRORS.refreshTokenReused);
  if (outcome.kind === 'invalid' || !user) throw unauthorized(ERRORS.invalidRefreshToken);
  const token = deps.sign(
    accessTokenClaims(user, outcome.identifier, outcome.sessionId, settings.accessTtl),
  );
  return sessionReply(user, token, outcome.refreshToken, settings.accessTtl, settings.refreshTtl);
}

/** POST /logout: ends the session the access token belongs to. Idempotent. */
export async function logout(
  deps: AuthDeps,
  context: RequestContext,
  claims: AccessTokenClaims,
): Promise<void> {
  await withTransaction(deps.pool, async (db) => {
    if (claims.sid === undefined) return;
    const revoked = await revokeSession(db, claims.sid, 'logout', deps.settings);
    if (!revoked) return;
    await recordAuthEvent(db, context, {
      action: 'logout',
      success: true,
      email: claims.email,
      username: null,
      userId: claims.user_id,
      details: { session_id: claims.sid },
    });
  });
}

/** The new password's rules are registration's: minimum characters, at most 72 bytes. */
export function checkNewPassword(password: string, minLength: number): void {
  if (passwordLength(password) < minLength) {
    const body = ERRORS.passwordTooShort(minLength);
    throw new HttpError(400, body.code, body.error);
  }
  if (passwordBytes(password) > PASSWORD_MAX_BYTES) {
    throw new HttpError(400, ERRORS.passwordTooLong.code, ERRORS.passwordTooLong.error);
  }
}

/** PUT /me/password: the current password proves it is the owner; other sessions end. */
export async function changePassword(
  deps: AuthDeps,
  context: RequestContext,
  claims: AccessTokenClaims,
  currentPassword: string,
  newPassword: string,
): Promise<number> {
  const stored = await findPasswordHash(deps.pool, claims.user_id);
  if (stored === null) throw unauthorized(ERRORS.invalidToken);
  // The current password is guessed at like a login (with a stolen access token, say): the
  // same counts and refusals apply, and every wrong one is logged (throttle.ts).
  const subject = accountSubject(claims.user_id);
  const address = addressKey(context.ip);
  const refusal =
    (await deps.throttle.addressRefusal(address)) ??
    (await deps.throttle.subjectRefusal(subject, address));
  const failed = (details: Record<string, unknown>) => ({
    action: 'password_change_failed' as const,
    success: false,
    email: claims.email,
    username: null,
    userId: claims.user_id,
    details,
  });
  if (refusal) {
    await withTransaction(deps.pool, (db) =>
      recordAuthEvent(db, context, failed({ blocked_by: refusal.scope })),
    );
    throw refusalError(refusal);
  }
  if (!(await deps.hasher.verify(currentPassword, stored))) {
    await withTransaction(deps.pool, async (db) => {
      const started = await deps.throttle.countFailure(db, [subject], address);
      await recordAuthEvent(db, context, failed({ reason: 'wrong_current_password' }));
      for (const lock of started) {
        metrics.accountLockoutsTotal.inc({ service: SERVICE });
        await recordAuthEvent(db, context, {
          ...failed({ locked_until: lock.until.toISOString(), scope: lock.scope }),
          action: 'account_locked',
        });
      }
    });
    const { code, error } = ERRORS.wrongCurrentPassword;
    throw new HttpError(400, code, error);
  }
  checkNewPassword(newPassword, deps.settings.passwordMinLength);
  const hash = await deps.hasher.hash(newPassword);
  return withTransaction(deps.pool, async (db) => {
    await updatePassword(db, claims.user_id, hash);
    const revoked = await revokeUserSessions(
      db,
      claims.user_id,
      'password_change',
      deps.settings,
      claims.sid,
    );
    await recordAuthEvent(db, context, {
      action: 'password_change',
      success: true,
      email: claims.email,
      username: null,
      userId: claims.user_id,
      details: { sessions_revoked: revoked },
    });
    return revoked;
  });
}
