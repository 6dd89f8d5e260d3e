import { HttpError, type ErrorBody } from '@cloud-backend/shared';

/**
 * Every error body auth-service answers with. The original's messages are Italian and clients
 * may match on them, so they are kept verbatim (docs/compatibility.md); errors the port adds
 * are English.
 */
export const ERRORS = {
  invalidPayload: { error: 'Payload non valido', code: 'INVALID_PAYLOAD' },
  invalidEmail: { error: 'Formato email non valido', code: 'INVALID_EMAIL' },
  passwordTooShort: (min: number): ErrorBody => ({
    error: `Password deve essere di almeno ${String(min)} caratteri`,
    code: 'PASSWORD_TOO_SHORT',
  }),
  passwordTooLong: {
    error: 'Password must be at most 72 bytes (UTF-8)',
    code: 'PASSWORD_TOO_LONG',
  },
  missingNames: { error: 'Nome e cognome sono obbligatori', code: 'MISSING_NAMES' },
  missingRegisterIdentifier: {
    error: 'Email o username richiesti per la registrazione',
    code: 'MISSING_IDENTIFIER',
  },
  fieldTooLong: (field: string, max: number): ErrorBody => ({
    error: `${field} must be at most ${String(max)} characters`,
    code: 'FIELD_TOO_LONG',
  }),
  invalidUsername: {
    error: 'username may not contain "@", spaces or control characters',
    code: 'INVALID_USERNAME',
  },
  userExists: { error: 'Utente già registrato', code: 'USER_EXISTS' },
  missingLoginIdentifier: { error: 'Email o username richiesti', code: 'MISSING_IDENTIFIER' },
  invalidCredentials: { error: 'Credenziali errate', code: 'INVALID_CREDENTIALS' },
  accountLocked: {
    error: 'Account temporarily locked after too many failed logins',
    code: 'ACCOUNT_LOCKED',
  },
  // The gateway's per-address login limit has the same body; this one counts wrong passwords.
  loginRateLimited: {
    error: 'Too many login attempts, try again later',
    code: 'LOGIN_RATE_LIMITED',
  },
  passwordNotSet: { error: "Password non impostata per l'utente", code: 'PASSWORD_NOT_SET' },
  invalidRefreshToken: {
    error: 'Refresh token is invalid, expired or revoked',
    code: 'INVALID_REFRESH_TOKEN',
  },
  refreshTokenReused: {
    error: 'Refresh token was already used; the session has been revoked',
    code: 'REFRESH_TOKEN_REUSED',
  },
  wrongCurrentPassword: {
    error: 'Current password is incorrect',
    code: 'INVALID_CURRENT_PASSWORD',
  },
  missingToken: { error: 'Missing or malformed JWT', code: 'JWT_MISSING' },
  invalidToken: { error: 'Invalid or expired JWT', code: 'JWT_INVALID' },
  adminRequired: {
    error: 'Accesso negato. Privilegi amministratore richiesti.',
    code: 'ADMIN_REQUIRED',
  },
  invalidRole: {
    error: "Ruolo non valido. Deve essere 'user' o 'admin'",
    code: 'INVALID_ROLE',
  },
  invalidUserId: {
    error: 'Invalid user id: a positive integer is required',
    code: 'INVALID_USER_ID',
  },
  userNotFound: { error: 'Utente non trovato', code: 'USER_NOT_FOUND' },
  selfDelete: { error: 'Non puoi eliminare il tuo stesso account', code: 'SELF_DELETE_FORBIDDEN' },
  lastAdmin: {
    error: 'The last admin cannot be demoted or deleted',
    code: 'LAST_ADMIN',
  },
  sessionNotFound: { error: 'Session not found', code: 'SESSION_NOT_FOUND' },
  mfaRequired: {
    error: 'A code from your authenticator app is required',
    code: 'MFA_REQUIRED',
  },
  mfaEnrolmentRequired: {
    error: 'Admins must set up an authenticator app before signing in',
    code: 'MFA_ENROLMENT_REQUIRED',
  },
  invalidMfaToken: {
    error: 'The sign-in step has expired or was already used; sign in again',
    code: 'MFA_TOKEN_INVALID',
  },
  invalidMfaCode: { error: 'The code is not valid', code: 'INVALID_MFA_CODE' },
  mfaAlreadyEnabled: {
    error: 'An authenticator is already set up; disable it first',
    code: 'MFA_ALREADY_ENABLED',
  },
  mfaNotStarted: {
    error: 'No authenticator set-up is in progress; start one first',
    code: 'MFA_NOT_STARTED',
  },
  mfaNotEnabled: { error: 'No authenticator is set up', code: 'MFA_NOT_ENABLED' },
  mfaUnavailable: {
    error: 'Two-step sign-in is not configured on this server (MFA_ENCRYPTION_KEY)',
    code: 'MFA_UNAVAILABLE',
  },
  mfaCredentialMissing: {
    error: 'Either an access token or an enrolment_token is required',
    code: 'JWT_MISSING',
  },
} as const satisfies Record<string, ErrorBody | ((...args: never[]) => ErrorBody)>;

export const MESSAGES = {
  registered: { message: 'Registrazione avvenuta con successo', code: 'REGISTER_SUCCESS' },
  profile: 'Accesso autorizzato',
  roleUpdated: 'Ruolo aggiornato con successo',
  userDeleted: 'Utente eliminato con successo',
  loggedOut: { message: 'Logged out', code: 'LOGOUT_SUCCESS' },
  passwordChanged: {
    message: 'Password changed; other sessions were signed out',
    code: 'PASSWORD_CHANGED',
  },
  sessionEnded: { message: 'Session ended', code: 'SESSION_ENDED' },
  sessionsEnded: { message: 'Sessions ended', code: 'SESSIONS_REVOKED' },
  mfaEnabled: { message: 'Two-step sign-in is on', code: 'MFA_ENABLED' },
  mfaDisabled: { message: 'Two-step sign-in is off', code: 'MFA_DISABLED' },
} as const;

/** Throws the error body as an HttpError, which the shared error handler answers with. */
export function fail(status: number, body: ErrorBody): never {
  throw new HttpError(status, body.code, body.error);
}
