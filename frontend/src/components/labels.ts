import type { AttendanceStatus, AuthAction, Role } from '../api/types.js';

/*
 * What the API's enumerated values are called on screen. Each table is checked against the
 * union the services' schemas declare (src/api/types.ts): a value added, renamed or removed
 * there is a type error here until its label follows. The lists of choices are these tables'
 * keys, in the order written.
 */

/** The attendance statuses, in the order the original listed them. */
export const STATUS_LABELS = {
  present: 'Present',
  not_registered: 'Not registered',
  hospital: 'Hospital',
  family: 'Family',
  emergency: 'Emergency',
  vacancy: 'Vacancy',
  personal: 'Personal',
} as const satisfies Record<AttendanceStatus, string>;

/** What auth-service records in its log: the original's sign-in outcomes, then the port's. */
export const AUTH_ACTION_LABELS = {
  login_success: 'Signed in',
  login_failed_wrong_password: 'Wrong password',
  login_failed_user_not_found: 'Unknown account',
  login_blocked_locked: 'Refused while locked',
  account_locked: 'Account locked',
  register: 'Registered',
  logout: 'Signed out',
  password_change: 'Password changed',
  password_change_failed: 'Wrong current password',
  role_change: 'Role changed',
  user_deleted: 'Account deleted',
  refresh_token_reuse: 'Refresh token reused',
  session_ended: 'Session ended',
  sessions_revoked_by_admin: 'Sessions ended by an admin',
  login_mfa_required: 'Password right, code asked',
  mfa_enrolment_required: 'Authenticator set-up required',
  mfa_failed: 'Wrong authenticator code',
  mfa_recovery_code_used: 'Recovery code used',
  mfa_enabled: 'Two-step sign-in on',
  mfa_disabled: 'Two-step sign-in off',
} as const satisfies Record<AuthAction, string>;

export const ROLE_LABELS = { user: 'user', admin: 'admin' } as const satisfies Record<Role, string>;

/** A table's keys: `satisfies` above has checked they are exactly the union's values. */
function keysOf<Key extends string>(labels: Record<Key, string>): Key[] {
  return Object.keys(labels) as Key[];
}

export const ATTENDANCE_STATUSES = keysOf(STATUS_LABELS);
export const AUTH_ACTIONS = keysOf(AUTH_ACTION_LABELS);
export const ROLES = keysOf(ROLE_LABELS);

/** A value's label; a value this app does not know yet (a newer service) as it is. */
function labelOf(labels: Record<string, string>, value: string): string {
  return labels[value] ?? value;
}

export const statusLabel = (status: string) => labelOf(STATUS_LABELS, status);
export const authActionLabel = (action: string) => labelOf(AUTH_ACTION_LABELS, action);
