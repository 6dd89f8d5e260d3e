import type { Pool } from '@cloud-backend/shared';
import type { SessionSettings } from '../repositories/sessions.js';
import type { MfaSettings } from './mfa.js';
import type { PasswordHasher } from './passwords.js';
import type { LoginThrottle } from './throttle.js';
import type { SignAccessToken } from './tokens.js';

export interface AuthSettings extends SessionSettings {
  passwordMinLength: number;
}

/** What the routes need, built once in app.ts and handed to each route plugin. */
export interface AuthDeps {
  pool: Pool;
  hasher: PasswordHasher;
  /** Counts wrong passwords and refuses guessing (docs/security.md). */
  throttle: LoginThrottle;
  sign: SignAccessToken;
  settings: AuthSettings;
  /** Two-step sign-in: the secrets' encryption and ADMIN_MFA_REQUIRED (domain/mfa.ts). */
  mfa: MfaSettings;
}
