import { HttpError, recordAuthAttempt, metrics, withTransaction } from '@cloud-backend/shared';
import { ERRORS } from '../messages.js';
import { createSession } from '../repositories/sessions.js';
import {
  findLoginCandidates,
  recordFailedLogin,
  recordSuccessfulLogin,
  type LoginCandidate,
  type LoginUserRow,
} from '../repositories/users.js';
import { recordAuthEvent, SERVICE } from './auth-events.js';
import type { AuthDeps } from './deps.js';
import { normaliseEmail } from './registration-rules.js';
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

function isLocked(user: LoginUserRow): boolean {
  return user.locked_until !== null && user.locked_until.getTime() > Date.now();
}

function subject(user: LoginUserRow) {
  return { email: user.email ?? '', username: user.username, userId: user.id };
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

/** Counts a wrong password against every account it was checked against. */
async function countWrongPassword(
  deps: AuthDeps,
  context: RequestContext,
  users: readonly LoginUserRow[],
): Promise<void> {
  const { lockoutThreshold, lockoutMinutes } = deps.settings;
  await withTransaction(deps.pool, async (db) => {
    for (const user of users) {
      const outcome = await recordFailedLogin(db, user.id, lockoutThreshold, lockoutMinutes);
      await recordAuthEvent(db, context, {
        action: 'login_failed_wrong_password',
        success: false,
        ...subject(user),
      });
      if (outcome.lockedNow) {
        metrics.accountLockoutsTotal.inc({ service: SERVICE });
        await recordAuthEvent(db, context, {
          action: 'account_locked',
          success: false,
          ...subject(user),
          details: { locked_until: outcome.lockedUntil?.toISOString() },
        });
      }
    }
  });
}

async function blockLocked(
  deps: AuthDeps,
  context: RequestContext,
  locked: readonly LoginUserRow[],
) {
  await withTransaction(deps.pool, async (db) => {
    for (const user of locked) {
      await recordAuthEvent(db, context, {
        action: 'login_blocked_locked',
        success: false,
        ...subject(user),
      });
    }
  });
  recordAuthAttempt(false, SERVICE);
  const soonest = Math.min(...locked.map((user) => user.locked_until?.getTime() ?? Date.now()));
  return lockedError(new Date(soonest));
}

/**
 * Which account a password opens among several an identifier names (only accounts the
 * original let collide: see docs/switch-over.md). Every unlocked one is checked, at once, so
 * the time taken says neither which one matched nor whether one did; the first match in
 * candidate order (exact identifier first, then the oldest account) wins. Wrong passwords
 * count against every account checked, as they would for each alone.
 */
async function chooseAmong(
  deps: AuthDeps,
  context: RequestContext,
  group: readonly LoginCandidate[],
  password: string,
): Promise<LoginCandidate> {
  const open = group.filter((user) => !isLocked(user));
  const opened = await Promise.all(
    open.map(async (user) => user.password !== '' && deps.hasher.verify(password, user.password)),
  );
  const match = open.find((_, index) => opened[index]);
  if (match) return match;
  if (open.length > 0) await countWrongPassword(deps, context, open);
  if (open.length < group.length) {
    throw await blockLocked(
      deps,
      context,
      group.filter((user) => isLocked(user)),
    );
  }
  recordAuthAttempt(false, SERVICE);
  throw credentialsError();
}

/** The one account an identifier names: the original's checks with the port's additions. */
async function checkOne(
  deps: AuthDeps,
  context: RequestContext,
  user: LoginCandidate,
  password: string,
): Promise<LoginCandidate> {
  if (isLocked(user)) throw await blockLocked(deps, context, [user]);
  if (user.password === '') {
    throw new HttpError(500, ERRORS.passwordNotSet.code, ERRORS.passwordNotSet.error);
  }
  if (!(await deps.hasher.verify(password, user.password))) {
    await countWrongPassword(deps, context, [user]);
    recordAuthAttempt(false, SERVICE);
    throw credentialsError();
  }
  return user;
}

/**
 * POST /login. The identifier names an account by its e-mail (bare and in any case, or exactly
 * as the original stored it) or its username (any case). Where the original left several
 * accounts behind one identifier, the ones it matched exactly are tried first and the password
 * decides between them. Unknown accounts cost a bcrypt comparison too and are logged; a locked
 * account is refused before its password is checked; success stamps last_login, upgrades a
 * weak hash, opens a session and logs it, in one transaction.
 */
export async function login(
  deps: AuthDeps,
  context: RequestContext,
  input: LoginInput,
): Promise<SessionReply> {
  // Matched trimmed and without regard to case, or exactly as sent; kept as sent in the token.
  const identifier = input.email ? input.email : (input.username ?? '');
  const trimmed = identifier.trim();
  if (trimmed === '') {
    const { code, error } = ERRORS.missingLoginIdentifier;
    throw new HttpError(400, code, error);
  }
  const password = input.password ?? '';

  const candidates = await findLoginCandidates(deps.pool, {
    raw: identifier,
    address: normaliseEmail(trimmed) ?? trimmed,
    trimmed,
  });
  if (candidates.length === 0) throw await failUnknown(deps, context, trimmed, password);
  const exact = candidates.filter((candidate) => candidate.exact);
  const group = exact.length > 0 ? exact : candidates;
  const user =
    group.length === 1 && group[0]
      ? await checkOne(deps, context, group[0], password)
      : await chooseAmong(deps, context, group, password);

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
      ...subject(user),
      details: {
        session_id: created.sessionId,
        rehashed: newHash !== null,
        ...(group.length > 1 ? { chosen_among: group.map((member) => member.id) } : {}),
      },
    });
    return created;
  });
  recordAuthAttempt(true, SERVICE);
  const token = deps.sign(
    accessTokenClaims(user, identifier, session.sessionId, settings.accessTtl),
  );
  return sessionReply(user, token, session.refreshToken, settings.accessTtl, settings.refreshTtl);
}
