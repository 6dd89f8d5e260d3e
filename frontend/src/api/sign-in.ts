import { ApiError } from './errors.js';
import type { SessionReply } from './types.js';
import { t } from '../i18n/i18n.js';

/**
 * Where a sign-in attempt stands (docs/security.md, "Two-step sign-in"): done, waiting for a
 * code from the authenticator app (401 MFA_REQUIRED with an mfa_token), or, for an admin under
 * ADMIN_MFA_REQUIRED, waiting for an authenticator to be set up (403 MFA_ENROLMENT_REQUIRED
 * with an enrolment_token). Anything else is an error to show.
 */
export type SignInStep =
  | { kind: 'done'; reply: SessionReply }
  | { kind: 'code'; mfaToken: string }
  | { kind: 'enrol'; enrolmentToken: string };

function ticket(error: ApiError, field: string): string | null {
  const value = error.body?.[field];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The step a login's outcome leads to; an error that is no step is thrown again. */
export async function signInStep(attempt: Promise<SessionReply>): Promise<SignInStep> {
  try {
    return { kind: 'done', reply: await attempt };
  } catch (error) {
    if (error instanceof ApiError) {
      const mfaToken = error.code === 'MFA_REQUIRED' ? ticket(error, 'mfa_token') : null;
      if (mfaToken) return { kind: 'code', mfaToken };
      const enrolmentToken =
        error.code === 'MFA_ENROLMENT_REQUIRED' ? ticket(error, 'enrolment_token') : null;
      if (enrolmentToken) return { kind: 'enrol', enrolmentToken };
    }
    throw error;
  }
}

/** A short name for a session's browser or app, from its User-Agent. */
export function deviceName(userAgent: string | null): string {
  if (!userAgent) return t('device.unknown');
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrome\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : null;
  const system = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : null;
  if (browser && system) return t('device.on', { browser, system });
  return browser ?? system ?? userAgent.slice(0, 60);
}
