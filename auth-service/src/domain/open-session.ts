import { recordAuthAttempt, withTransaction } from '@cloud-backend/shared';
import { createSession } from '../repositories/sessions.js';
import { recordSuccessfulLogin, type UserRow } from '../repositories/users.js';
import { recordAuthEvent, SERVICE } from './auth-events.js';
import type { AuthDeps } from './deps.js';
import type { RequestContext } from './request-context.js';
import { addressKey, type ThrottleSubject } from './throttle.js';
import { accessTokenClaims, sessionReply, type SessionReply } from './tokens.js';

export interface SuccessfulSignIn {
  /** The throttle subject whose failures the success clears. */
  subject: ThrottleSubject;
  /** A new hash of the password at today's cost, when the stored one is weaker. */
  newHash: string | null;
  /** Written in the login_success event beside session_id. */
  details: Record<string, unknown>;
}

/**
 * The end of every complete sign-in (password alone, or password then second step): the
 * success recorded and its failures cleared, a session opened and logged, and the reply exactly
 * as POST /login's.
 */
export async function openSession(
  deps: AuthDeps,
  context: RequestContext,
  user: UserRow,
  identifier: string,
  { subject, newHash, details }: SuccessfulSignIn,
): Promise<SessionReply> {
  const { settings } = deps;
  const session = await withTransaction(deps.pool, async (db) => {
    await recordSuccessfulLogin(db, user.id, newHash);
    await deps.throttle.succeeded(db, subject, addressKey(context.ip));
    const created = await createSession(
      db,
      { userId: user.id, identifier, ip: context.ip, userAgent: context.userAgent },
      settings,
    );
    await recordAuthEvent(db, context, {
      action: 'login_success',
      success: true,
      email: user.email ?? '',
      username: user.username,
      userId: user.id,
      details: { session_id: created.sessionId, ...details },
    });
    return created;
  });
  recordAuthAttempt(true, SERVICE);
  const token = deps.sign(
    accessTokenClaims(user, identifier, session.sessionId, settings.accessTtl),
  );
  return sessionReply(user, token, session.refreshToken, settings.accessTtl, settings.refreshTtl);
}
