import { withTransaction, type AccessTokenClaims } from '@cloud-backend/shared';
import { ERRORS, fail } from '../messages.js';
import { revokeUserSessions } from '../repositories/sessions.js';
import {
  clearResolvedDuplicates,
  deleteUser,
  findById,
  findRoleForUpdate,
  lockAdmins,
  setRole,
  type Role,
} from '../repositories/users.js';
import { recordAuthEvent } from './auth-events.js';
import type { AuthDeps } from './deps.js';
import type { RequestContext } from './request-context.js';

/**
 * The path's id as a number. The original sent the raw text to PostgreSQL (so "abc" was a 500
 * and "04" slipped past the self-delete check); here it must be a positive int4.
 */
export function parseUserId(raw: string): number {
  if (!/^\+?\d{1,10}$/.test(raw.trim())) fail(400, ERRORS.invalidUserId);
  const id = Number(raw.trim());
  if (id < 1 || id > 2_147_483_647) fail(400, ERRORS.invalidUserId);
  return id;
}

/**
 * PUT /admin/users/:id/role. A real change revokes the user's sessions, so a demoted admin's
 * token stops working at the gateway within seconds instead of living on for 24 h.
 */
export async function changeRole(
  deps: AuthDeps,
  context: RequestContext,
  actor: AccessTokenClaims,
  id: number,
  role: Role,
): Promise<void> {
  await withTransaction(deps.pool, async (db) => {
    const admins = await lockAdmins(db);
    const current = await findRoleForUpdate(db, id);
    if (current === null) fail(404, ERRORS.userNotFound);
    if (current === role) return;
    if (current === 'admin' && admins.length <= 1) fail(409, ERRORS.lastAdmin);
    await setRole(db, id, role);
    const revoked = await revokeUserSessions(db, id, 'role_change', deps.settings);
    const user = await findById(db, id);
    await recordAuthEvent(db, context, {
      action: 'role_change',
      success: true,
      email: user?.email ?? '',
      username: user?.username ?? null,
      userId: id,
      actorId: actor.user_id,
      details: { from: current, to: role, sessions_revoked: revoked },
    });
  });
}

/** DELETE /admin/users/:id: never oneself, never the last admin; sessions end with it. */
export async function removeUser(
  deps: AuthDeps,
  context: RequestContext,
  actor: AccessTokenClaims,
  id: number,
): Promise<void> {
  if (id === actor.user_id) fail(400, ERRORS.selfDelete);
  await withTransaction(deps.pool, async (db) => {
    const admins = await lockAdmins(db);
    const current = await findRoleForUpdate(db, id);
    if (current === null) fail(404, ERRORS.userNotFound);
    if (current === 'admin' && admins.length <= 1) fail(409, ERRORS.lastAdmin);
    const revoked = await revokeUserSessions(db, id, 'user_deleted', deps.settings);
    const user = await deleteUser(db, id);
    await clearResolvedDuplicates(db);
    await recordAuthEvent(db, context, {
      action: 'user_deleted',
      success: true,
      email: user?.email ?? '',
      username: user?.username ?? null,
      userId: id,
      actorId: actor.user_id,
      details: { role: current, sessions_revoked: revoked },
    });
  });
}
