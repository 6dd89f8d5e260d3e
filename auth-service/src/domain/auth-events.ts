import { enqueueAuditEvent } from '@cloud-backend/shared';
import { insertAuthLog, type AuthAction } from '../repositories/auth-logs.js';
import type { Queryable } from '../repositories/queryable.js';
import type { RequestContext } from './request-context.js';

export const SERVICE = 'auth-service';

/** The audit trail's name for each auth_logs action. */
const AUDIT_ACTIONS: Record<AuthAction, string> = {
  login_success: 'user.login_succeeded',
  login_failed_wrong_password: 'user.login_failed',
  login_failed_user_not_found: 'user.login_failed',
  login_blocked_locked: 'user.login_blocked',
  account_locked: 'user.account_locked',
  register: 'user.registered',
  logout: 'user.logged_out',
  password_change: 'user.password_changed',
  password_change_failed: 'user.password_change_failed',
  role_change: 'user.role_changed',
  user_deleted: 'user.deleted',
  refresh_token_reuse: 'session.refresh_token_reused',
  session_ended: 'session.ended',
  sessions_revoked_by_admin: 'session.revoked_by_admin',
  login_mfa_required: 'user.login_mfa_required',
  mfa_enrolment_required: 'user.mfa_enrolment_required',
  mfa_failed: 'user.mfa_failed',
  mfa_recovery_code_used: 'user.mfa_recovery_code_used',
  mfa_enabled: 'user.mfa_enabled',
  mfa_disabled: 'user.mfa_disabled',
};

export interface AuthEvent {
  action: AuthAction;
  success: boolean;
  /** The account's email, or for an unknown account the identifier that was tried. */
  email: string;
  username: string | null;
  userId: number | null;
  /** The admin who acted, for role changes and deletions. */
  actorId?: number | null;
  details?: Record<string, unknown>;
}

/**
 * Writes one event to auth_logs (what /admin/auth-logs shows) and to the audit outbox (what
 * social-log-service stores), with the same client: inside the caller's transaction, both
 * exist exactly when the change does.
 */
export async function recordAuthEvent(
  db: Queryable,
  context: RequestContext,
  event: AuthEvent,
): Promise<void> {
  await insertAuthLog(db, {
    action: event.action,
    success: event.success,
    userEmail: event.email,
    username: event.username,
    userId: event.userId,
    actorId: event.actorId ?? null,
    ip: context.ip,
    userAgent: context.userAgent,
  });
  await enqueueAuditEvent(db, SERVICE, {
    action: AUDIT_ACTIONS[event.action],
    user_id: event.userId,
    actor_id: event.actorId ?? null,
    success: event.success,
    ip: context.ip,
    user_agent: context.userAgent,
    request_id: context.requestId.slice(0, 128),
    details: { auth_action: event.action, email: event.email.slice(0, 255), ...event.details },
  });
}
