import {
  HttpError,
  metrics,
  recordAuthAttempt,
  withTransaction,
  type ErrorBody,
} from '@cloud-backend/shared';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { ERRORS, fail } from '../messages.js';
import {
  claimStep,
  confirmTotp,
  countTicketFailure,
  deleteTotp,
  findTicket,
  findTotp,
  hasConfirmedTotp,
  issueTicket,
  recoveryCodesLeft,
  replaceRecoveryCodes,
  spendRecoveryCode,
  spendTicket,
  startTotp,
  type TicketPurpose,
} from '../repositories/mfa.js';
import { findById, type UserRow } from '../repositories/users.js';
import { recordAuthEvent, SERVICE } from './auth-events.js';
import type { AuthDeps } from './deps.js';
import type { RequestContext } from './request-context.js';
import type { SecretBox } from './secret-box.js';
import { accountSubject, addressKey, refusalError } from './throttle.js';
import { openSession } from './open-session.js';
import type { SessionReply } from './tokens.js';

/**
 * Two-step sign-in with a TOTP authenticator (RFC 6238: SHA-1, 6 digits, 30 s, one step of
 * clock drift either way) and single-use recovery codes; docs/security.md, "Two-step
 * sign-in", describes the design and its limits.
 */
export interface MfaSettings {
  /** null: MFA_ENCRYPTION_KEY unset in production, so no authenticator can be set up. */
  box: SecretBox | null;
  issuer: string;
  /** ADMIN_MFA_REQUIRED: admins without an authenticator get only an enrolment ticket. */
  adminRequired: boolean;
}

const LOGIN_TICKET_SECONDS = 300;
const ENROL_TICKET_SECONDS = 900;
/** Wrong codes one login ticket takes before it is void (the throttle counts them too). */
const TICKET_FAILURES = 5;
const RECOVERY_CODES = 10;

/** A refusal that carries a ticket for the next step, beside the error and its code. */
export class TicketError extends HttpError {
  constructor(
    status: number,
    body: ErrorBody,
    readonly field: 'mfa_token' | 'enrolment_token',
    readonly ticket: string,
    readonly expiresIn: number,
  ) {
    super(status, body.code, body.error);
  }

  override toBody() {
    return { ...super.toBody(), [this.field]: this.ticket, expires_in: this.expiresIn };
  }
}

function totpFor(deps: AuthDeps, secret: string, label: string): TOTP {
  return new TOTP({
    issuer: deps.mfa.issuer,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(secret),
  });
}

function accountLabel(user: UserRow): string {
  return user.email ?? user.username;
}

/**
 * Called by login once the password is right, before a session opens: an account with an
 * authenticator gets 401 MFA_REQUIRED with a login ticket; under ADMIN_MFA_REQUIRED an admin
 * without one gets 403 MFA_ENROLMENT_REQUIRED with an enrolment ticket. Anyone else goes on.
 */
export async function requireSecondStep(
  deps: AuthDeps,
  context: RequestContext,
  user: UserRow,
  identifier: string,
): Promise<void> {
  const enrolled = await hasConfirmedTotp(deps.pool, user.id);
  if (!enrolled && !(deps.mfa.adminRequired && user.role === 'admin')) return;
  const purpose: TicketPurpose = enrolled ? 'login' : 'enrol';
  const seconds = enrolled ? LOGIN_TICKET_SECONDS : ENROL_TICKET_SECONDS;
  const ticket = await withTransaction(deps.pool, async (db) => {
    await recordAuthEvent(db, context, {
      action: enrolled ? 'login_mfa_required' : 'mfa_enrolment_required',
      success: true,
      email: user.email ?? '',
      username: user.username,
      userId: user.id,
    });
    return issueTicket(db, { userId: user.id, identifier, purpose }, seconds);
  });
  throw enrolled
    ? new TicketError(401, ERRORS.mfaRequired, 'mfa_token', ticket, seconds)
    : new TicketError(403, ERRORS.mfaEnrolmentRequired, 'enrolment_token', ticket, seconds);
}

type CodeKind = 'totp' | 'recovery_code';

/**
 * Checks a code as a password is checked (throttle.ts): refused while the account is locked
 * for this address or the address is blocked, and every wrong code is counted against the
 * same limits and logged. A recovery code is accepted where `recovery` allows it.
 */
async function checkCode(
  deps: AuthDeps,
  context: RequestContext,
  user: UserRow,
  code: string,
  recovery: boolean,
): Promise<CodeKind | null> {
  const subject = accountSubject(user.id);
  const address = addressKey(context.ip);
  const event = (action: 'mfa_failed' | 'mfa_recovery_code_used', details = {}) => ({
    action,
    success: action !== 'mfa_failed',
    email: user.email ?? '',
    username: user.username,
    userId: user.id,
    details,
  });
  const refusal =
    (await deps.throttle.addressRefusal(address)) ??
    (await deps.throttle.subjectRefusal(subject, address));
  if (refusal) {
    await withTransaction(deps.pool, (db) =>
      recordAuthEvent(db, context, event('mfa_failed', { blocked_by: refusal.scope })),
    );
    throw refusalError(refusal);
  }
  const stored = await findTotp(deps.pool, user.id);
  const secret = stored ? (deps.mfa.box?.open(stored.secret_encrypted, user.id) ?? null) : null;
  const typed = code.replace(/\s/g, '');
  if (secret !== null && /^\d{6}$/.test(typed)) {
    const totp = totpFor(deps, secret, accountLabel(user));
    const delta = totp.validate({ token: typed, window: 1 });
    if (delta !== null && (await claimStep(deps.pool, user.id, totp.counter() + delta))) {
      return 'totp';
    }
  } else if (
    recovery &&
    stored?.confirmed_at &&
    (await spendRecoveryCode(deps.pool, user.id, typed))
  ) {
    await withTransaction(deps.pool, (db) =>
      recordAuthEvent(db, context, event('mfa_recovery_code_used')),
    );
    return 'recovery_code';
  }
  await withTransaction(deps.pool, async (db) => {
    const started = await deps.throttle.countFailure(db, [subject], address);
    await recordAuthEvent(db, context, event('mfa_failed', { reason: 'wrong_code' }));
    for (const lock of started) {
      metrics.accountLockoutsTotal.inc({ service: SERVICE });
      await recordAuthEvent(db, context, {
        ...event('mfa_failed', { locked_until: lock.until.toISOString(), scope: lock.scope }),
        action: 'account_locked',
      });
    }
  });
  return null;
}

/** The account a live ticket names, or 401 MFA_TOKEN_INVALID. */
async function ticketHolder(deps: AuthDeps, token: string, purpose: TicketPurpose) {
  const ticket = await findTicket(deps.pool, token, purpose, TICKET_FAILURES);
  const user = ticket ? await findById(deps.pool, ticket.userId) : null;
  if (!ticket || !user) fail(401, ERRORS.invalidMfaToken);
  return { ticket, user };
}

/** POST /login/mfa: the second step; the login reply on a right code (or recovery code). */
export async function completeLogin(
  deps: AuthDeps,
  context: RequestContext,
  mfaToken: string,
  code: string,
): Promise<SessionReply> {
  const { ticket, user } = await ticketHolder(deps, mfaToken, 'login');
  const kind = await checkCode(deps, context, user, code, true);
  if (kind === null) {
    await countTicketFailure(deps.pool, mfaToken);
    recordAuthAttempt(false, SERVICE);
    fail(401, ERRORS.invalidMfaCode);
  }
  if (!(await spendTicket(deps.pool, mfaToken))) fail(401, ERRORS.invalidMfaToken);
  return openSession(deps, context, user, ticket.identifier, {
    subject: accountSubject(user.id),
    newHash: null,
    details: { mfa: kind },
  });
}

/** Who is enrolling: the signed-in account, or the holder of an enrolment ticket. */
export async function enrollee(
  deps: AuthDeps,
  userId: number | undefined,
  enrolmentToken: string | undefined,
): Promise<{ user: UserRow; identifier: string | null }> {
  if (enrolmentToken !== undefined) {
    const { ticket, user } = await ticketHolder(deps, enrolmentToken, 'enrol');
    return { user, identifier: ticket.identifier };
  }
  const user = userId === undefined ? null : await findById(deps.pool, userId);
  if (!user) fail(401, ERRORS.invalidToken);
  return { user, identifier: null };
}

/** POST /mfa/totp: a new secret, not yet active, as an otpauth URI and a QR (PNG data URL). */
export async function startEnrolment(deps: AuthDeps, user: UserRow) {
  const { box } = deps.mfa;
  if (!box) fail(503, ERRORS.mfaUnavailable);
  const secret = new Secret({ size: 20 }).base32;
  const started = await startTotp(deps.pool, user.id, box.seal(secret, user.id));
  if (!started) fail(409, ERRORS.mfaAlreadyEnabled);
  const uri = totpFor(deps, secret, accountLabel(user)).toString();
  const qr = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 256 });
  return { secret, otpauth_uri: uri, qr_code: qr };
}

/**
 * POST /mfa/totp/confirm: a first right code turns the authenticator on and makes the
 * recovery codes, shown this once. Through an enrolment ticket, it also opens the session
 * the admin signed in for.
 */
export async function confirmEnrolment(
  deps: AuthDeps,
  context: RequestContext,
  who: { user: UserRow; identifier: string | null },
  code: string,
  enrolmentToken: string | undefined,
): Promise<{ recovery_codes: string[]; session?: SessionReply }> {
  const { user } = who;
  const stored = await findTotp(deps.pool, user.id);
  if (!stored) fail(409, ERRORS.mfaNotStarted);
  if (stored.confirmed_at) fail(409, ERRORS.mfaAlreadyEnabled);
  if ((await checkCode(deps, context, user, code, false)) === null) {
    fail(400, ERRORS.invalidMfaCode);
  }
  if (enrolmentToken !== undefined && !(await spendTicket(deps.pool, enrolmentToken))) {
    fail(401, ERRORS.invalidMfaToken);
  }
  const codes = await withTransaction(deps.pool, async (db) => {
    if (!(await confirmTotp(db, user.id))) fail(409, ERRORS.mfaAlreadyEnabled);
    const made = await replaceRecoveryCodes(db, user.id, RECOVERY_CODES);
    await recordAuthEvent(db, context, {
      action: 'mfa_enabled',
      success: true,
      email: user.email ?? '',
      username: user.username,
      userId: user.id,
    });
    return made;
  });
  if (who.identifier === null) return { recovery_codes: codes };
  const session = await openSession(deps, context, user, who.identifier, {
    subject: accountSubject(user.id),
    newHash: null,
    details: { mfa: 'enrolled' },
  });
  return { recovery_codes: codes, session };
}

/** POST /mfa/totp/disable: a fresh code or a recovery code turns the authenticator off. */
export async function disableTotp(
  deps: AuthDeps,
  context: RequestContext,
  user: UserRow,
  code: string,
): Promise<void> {
  if (!(await hasConfirmedTotp(deps.pool, user.id))) fail(409, ERRORS.mfaNotEnabled);
  if ((await checkCode(deps, context, user, code, true)) === null) {
    fail(400, ERRORS.invalidMfaCode);
  }
  await withTransaction(deps.pool, async (db) => {
    await deleteTotp(db, user.id);
    await recordAuthEvent(db, context, {
      action: 'mfa_disabled',
      success: true,
      email: user.email ?? '',
      username: user.username,
      userId: user.id,
    });
  });
}

/** GET /mfa: what the account has set up, and whether its role requires it. */
export async function mfaStatus(deps: AuthDeps, user: UserRow) {
  const enabled = await hasConfirmedTotp(deps.pool, user.id);
  return {
    totp_enabled: enabled,
    recovery_codes_left: enabled ? await recoveryCodesLeft(deps.pool, user.id) : 0,
    required: deps.mfa.adminRequired && user.role === 'admin',
  };
}
