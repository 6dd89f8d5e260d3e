import { HttpError, recordAuthAttempt, metrics, withTransaction } from '@cloud-backend/shared';
import { ERRORS } from '../messages.js';
import { createSession } from '../repositories/sessions.js';
import {
  findForLogin,
  recordFailedLogin,
  recordSuccessfulLogin,
  type LoginUserRow,
} from '../repositories/users.js';
import { recordAuthEvent, SERVICE } from './auth-events.js';
import type { AuthDeps } from './deps.js';
import type { RequestContext } from './request-context.js';
import { accessTokenClaims, sessionReply, type SessionReply } from './tokens.js';

export interface LoginInput {
  email?: string;
  username?: string;
  password?: string;
}

function lockedError(until: Date): HttpError {
  const seconds = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
  return new HttpError(429, ERRORS.accountLocked.code, ERRORS.accountLocked.error, undefined, {
    'retry-after': String(seconds),
  });
}

function credentialsError(): HttpError {
  return new HttpError(401, ERRORS.invalidCredentials.code, ERRORS.invalidCredentials.error);
}

async function failUnknown(
  deps: AuthDeps,
  context: RequestContext,
  identifier: string,
  password: string,
) {
  await deps.hasher.verifyDummy(password);
  await withTransaction(deps.pool, (db) =>
    recordAuthEvent(db, context, {
      action: 'login_failed_user_not_found',
      success: false,
      email: identifier,
      username: null,
      userId: null,
    }),
  );
  recordAuthAttempt(false, SERVICE);
  return credentialsError();
}

async function failWrongPassword(deps: AuthDeps, context: RequestContext, user: LoginUserRow) {
  const { lockoutThreshold, lockoutMinutes } = deps.settings;
  await withTransaction(deps.pool, async (db) => {
    const outcome = await recordFailedLogin(db, user.id, lockoutThreshold, lockoutMinutes);
    const subject = { email: user.email ?? '', username: user.username, userId: user.id };
    await recordAuthEvent(db, context, {
      action: 'login_failed_wrong_password',
      success: false,
      ...subject,
    });
    if (outcome.lockedNow) {
      metrics.accountLockoutsTotal.inc({ service: SERVICE });
      await recordAuthEvent(db, context, {
        action: 'account_locked',
        success: false,
        ...subject,
        details: { locked_until: outcome.lockedUntil?.toISOString() },
      });
    }
  });
  recordAuthAttempt(false, SERVICE);
  return credentialsError();
}

async function blockLocked(deps: AuthDeps, context: RequestContext, user: LoginUserRow) {
  await withTransaction(deps.pool, (db) =>
    recordAuthEvent(db, context, {
      action: 'login_blocked_locked',
      success: false,
      email: user.email ?? '',
      username: user.username,
      userId: user.id,
    }),
  );
  recordAuthAttempt(false, SERVICE);
  return lockedError(user.locked_until ?? new Date());
}

/**
 * AUTH §4.4 with the port's additions: unknown accounts cost a bcrypt comparison too and are
 * logged; a locked account is refused before its password is checked; success stamps
 * last_login, upgrades a weak hash, opens a session and logs it, all in one transaction.
 */
export async function login(
  deps: AuthDeps,
  context: RequestContext,
  input: LoginInput,
): Promise<SessionReply> {
  // The identifier is matched trimmed and case-insensitively, but kept as sent in the token.
  const identifier = input.email ? input.email : (input.username ?? '');
  const lookup = identifier.trim();
  if (lookup === '') {
    const { code, error } = ERRORS.missingLoginIdentifier;
    throw new HttpError(400, code, error);
  }
  const password = input.password ?? '';

  const user = await findForLogin(deps.pool, lookup);
  if (!user) throw await failUnknown(deps, context, lookup, password);
  if (user.locked_until && user.locked_until.getTime() > Date.now()) {
    throw await blockLocked(deps, context, user);
  }
  if (user.password === '') {
    throw new HttpError(500, ERRORS.passwordNotSet.code, ERRORS.passwordNotSet.error);
  }
  if (!(await deps.hasher.verify(password, user.password))) {
    throw await failWrongPassword(deps, context, user);
  }

  const newHash = deps.hasher.needsRehash(user.password) ? await deps.hasher.hash(password) : null;
  const { settings } = deps;
  const session = await withTransaction(deps.pool, async (db) => {
    await recordSuccessfulLogin(db, user.id, newHash);
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
      details: { session_id: created.sessionId, rehashed: newHash !== null },
    });
    return created;
  });
  recordAuthAttempt(true, SERVICE);
  const token = deps.sign(
    accessTokenClaims(user, identifier, session.sessionId, settings.accessTtl),
  );
  return sessionReply(user, token, session.refreshToken, settings.accessTtl, settings.refreshTtl);
}
