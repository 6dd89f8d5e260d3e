import type { FastifyBaseLogger } from 'fastify';
import { countConflicts } from '../repositories/account-conflicts.js';
import type { Queryable } from '../repositories/queryable.js';

/**
 * At start-up: one warning line when accounts the original let collide are still in conflict
 * (they can all log in; an admin decides what to do with them), nothing otherwise.
 */
export async function warnAboutConflicts(db: Queryable, log: FastifyBaseLogger): Promise<void> {
  const { groups, accounts } = await countConflicts(db);
  if (accounts === 0) return;
  log.warn(
    { accounts, groups },
    `${String(accounts)} accounts are in conflict (an e-mail or username shared but for case, ` +
      "or a username that is another account's e-mail, as the original allowed): " +
      'they can all log in; see GET /admin/users/conflicts',
  );
}
