import { HttpError, recordAuthAttempt, metrics, withTransaction } from '@cloud-backend/shared';
import { ERRORS } from '../messages.js';
import { findLoginCandidates, type LoginCandidate } from '../repositories/users.js';
import { recordAuthEvent, SERVICE } from './auth-events.js';
import type { AuthDeps } from './deps.js';
import { requireSecondStep } from './mfa.js';
import { openSession } from './open-session.js';
import { normaliseEmail } from './registration-rules.js';
import type { RequestContext } from './request-context.js';
import {
  accountSubject,
  addressKey,
  refusalError,
  unknownSubject,
  type Refusal,
  type ThrottleSubject,
} from './throttle.js';
import type { SessionReply } from './tokens.js';

export interface LoginInput {
  email?: string;
  username?: string;
  password?: string;
}

function credentialsError(): HttpError {
  return new HttpError(401, ERRORS.invalidCredentials.code, ERRORS.invalidCredentials.error);
}

/** One identifier's candidate for the password: an account, or nothing (an unknown name). */
interface Attempt {
  subject: ThrottleSubject;
  user: LoginCandidate | null;
}

/** How an attempt is written to auth_logs: the account, or the identifier that was tried. */
function logged(attempt: Attempt, identifier: string) {
  const { user } = attempt;
  return user
    ? { email: user.email ?? '', username: user.username, userId: user.id }
    : { email: identifier, username: null, userId: null };
}

/** Refused before any password is checked: logged, and answered alike for every identifier. */
async function refuse(
  deps: AuthDeps,
  context: RequestContext,
  attempts: readonly Attempt[],
  identifier: string,
  refusal: Refusal,
): Promise<HttpError> {
  await withTransaction(deps.pool, async (db) => {
    for (const attempt of attempts) {
      await recordAuthEvent(db, context, {
        action: 'login_blocked_locked',
        success: false,
        ...logged(attempt, identifier),
        details: { blocked_by: refusal.scope },
      });
    }
  });
  recordAuthAttempt(false, SERVICE);
  return refusalError(refusal);
}

/**
 * Counts a wrong password against every attempt it was checked for (and once against the
 * address), logs each, and logs the locks it started.
 */
async function countWrongPassword(
  deps: AuthDeps,
  context: RequestContext,
  attempts: readonly Attempt[],
  identifier: string,
  address: string,
): Promise<void> {
  await withTransaction(deps.pool, async (db) => {
    const started = await deps.throttle.countFailure(
      db,
      attempts.map((attempt) => attempt.subject),
      address,
    );
    for (const attempt of attempts) {
      await recordAuthEvent(db, context, {
        action: attempt.user ? 'login_failed_wrong_password' : 'login_failed_user_not_found',
        success: false,
        ...logged(attempt, identifier),
      });
      // A lock of a name that is no account is counted the same way but not reported as one.
      if (!attempt.user) continue;
      for (const lock of started.filter((block) => block.subject === attempt.subject)) {
        metrics.accountLockoutsTotal.inc({ service: SERVICE });
        await recordAuthEvent(db, context, {
          action: 'account_locked',
          success: false,
          ...logged(attempt, identifier),
          details: { locked_until: lock.until.toISOString(), scope: lock.scope },
        });
      }
    }
  });
  recordAuthAttempt(false, SERVICE);
}

/**
 * Which attempt the password opens. Every attempt not refused is checked, at once (an unknown
 * identifier against a dummy hash of the same cost), so the time taken and the bcrypt work
 * say neither which one matched nor whether an account exists; the first match in candidate
 * order (exact identifier first, then the oldest account) wins. Several candidates happen only
 * for accounts the original let collide (docs/switch-over.md).
 */
async function check(
  deps: AuthDeps,
  context: RequestContext,
  attempts: readonly Attempt[],
  identifier: string,
  password: string,
): Promise<Attempt & { user: LoginCandidate }> {
  const address = addressKey(context.ip);
  const refused = await deps.throttle.addressRefusal(address);
  if (refused) throw await refuse(deps, context, attempts, identifier, refused);
  const refusals = await Promise.all(
    attempts.map((attempt) => deps.throttle.subjectRefusal(attempt.subject, address)),
  );
  const open = attempts.filter((_, index) => !refusals[index]);
  const blocked = refusals.filter((refusal): refusal is Refusal => refusal !== null);
  const [only] = open;
  if (open.length === 1 && only?.user?.password === '') {
    throw new HttpError(500, ERRORS.passwordNotSet.code, ERRORS.passwordNotSet.error);
  }
  const opened = await Promise.all(
    open.map(async ({ user }) => {
      if (!user) {
        await deps.hasher.verifyDummy(password);
        return false;
      }
      return user.password !== '' && deps.hasher.verify(password, user.password);
    }),
  );
  const match = open.find((_, index) => opened[index]);
  if (match?.user) return { ...match, user: match.user };
  if (open.length > 0) await countWrongPassword(deps, context, open, identifier, address);
  if (blocked.length > 0) {
    const soonest = blocked.reduce((a, b) => (a.until <= b.until ? a : b));
    throw await refuse(
      deps,
      context,
      attempts.filter((_, index) => refusals[index]),
      identifier,
      soonest,
    );
  }
  throw credentialsError();
}

/**
 * POST /login. The identifier names an account by its e-mail (bare and in any case, or exactly
 * as the original stored it) or its username (any case). Where the original left several
 * accounts behind one identifier, the ones it matched exactly are tried first and the password
 * decides between them. An unknown identifier goes through every step a known one does (the
 * throttle, a bcrypt comparison, the log) and gets the same answers; guessing is refused
 * before the password is checked (throttle.ts); success stamps last_login, upgrades a weak
 * hash, opens a session and logs it, in one transaction.
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
  const exact = candidates.filter((candidate) => candidate.exact);
  const group = exact.length > 0 ? exact : candidates;
  const attempts: Attempt[] =
    group.length > 0
      ? group.map((user) => ({ subject: accountSubject(user.id), user }))
      : [{ subject: unknownSubject(trimmed), user: null }];
  const { subject, user } = await check(deps, context, attempts, trimmed, password);
  // An account with an authenticator (or an admin who must set one up) stops here.
  await requireSecondStep(deps, context, user, identifier);

  const newHash = deps.hasher.needsRehash(user.password) ? await deps.hasher.hash(password) : null;
  return openSession(deps, context, user, identifier, {
    subject,
    newHash,
    details: {
      rehashed: newHash !== null,
      ...(group.length > 1 ? { chosen_among: group.map((member) => member.id) } : {}),
    },
  });
}
