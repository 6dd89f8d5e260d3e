import { HttpError, withTransaction, type Pool } from '@cloud-backend/shared';
import type { Queryable } from '../repositories/queryable.js';
import { anyAdminExists, setRole, type UserRow } from '../repositories/users.js';
import { recordAuthEvent } from './auth-events.js';
import { PasswordHasher } from './passwords.js';
import { insertWithGeneratedUsername } from './register.js';
import { normaliseEmail } from './registration-rules.js';
import { checkNewPassword } from './sessions.js';

export interface AdminAccount {
  email: string;
  password: string;
  name?: string;
  surname?: string;
}

/**
 * 'conflict': the e-mail belongs to several accounts the original let collide, or is another
 * account's username; nothing was changed (an admin resolves it first).
 */
export type BootstrapOutcome = 'created' | 'promoted' | 'already-admin' | 'skipped' | 'conflict';

const CONTEXT = { ip: null, userAgent: 'create-admin', requestId: 'create-admin' };

/** The accounts with this e-mail (several only where the original let them collide). */
async function findByEmail(db: Queryable, email: string): Promise<UserRow[]> {
  const { rows } = await db.query<UserRow>(
    `SELECT id, email, username, name, surname, role, created_at, last_login
       FROM users WHERE lower(email) = lower($1) ORDER BY id FOR UPDATE`,
    [email],
  );
  return rows;
}

/**
 * Creates the admin account, or promotes the existing account with that email (its password is
 * left alone). At start-up (`onlyIfNoAdmin`) nothing happens once any admin exists, so
 * ADMIN_PASSWORD can stay in the environment without resetting anything.
 */
export async function ensureAdmin(
  pool: Pool,
  hasher: PasswordHasher,
  account: AdminAccount,
  options: { onlyIfNoAdmin: boolean; passwordMinLength: number },
): Promise<BootstrapOutcome> {
  const email = normaliseEmail(account.email.trim());
  if (email === null) throw new Error('the admin email is not a valid address');
  checkNewPassword(account.password, options.passwordMinLength);
  if (options.onlyIfNoAdmin && (await anyAdminExists(pool))) return 'skipped';
  const passwordHash = await hasher.hash(account.password);

  return withTransaction(pool, async (db) => {
    const found = await findByEmail(db, email);
    if (found.length > 1) return 'conflict';
    const existing = found[0];
    if (existing?.role === 'admin') return 'already-admin';
    if (existing) {
      await setRole(db, existing.id, 'admin');
      await recordAuthEvent(db, CONTEXT, {
        action: 'role_change',
        success: true,
        email,
        username: existing.username,
        userId: existing.id,
        details: { from: existing.role, to: 'admin', by: 'create-admin' },
      });
      return 'promoted';
    }
    let created: UserRow;
    try {
      created = await insertWithGeneratedUsername(db, {
        email,
        name: account.name ?? 'Admin',
        surname: account.surname ?? 'User',
        passwordHash,
        role: 'admin',
      });
    } catch (err) {
      // Another account's username is this address (the original allowed that).
      if (err instanceof HttpError && err.statusCode === 409) return 'conflict';
      throw err;
    }
    await recordAuthEvent(db, CONTEXT, {
      action: 'register',
      success: true,
      email,
      username: created.username,
      userId: created.id,
      details: { role: 'admin', by: 'create-admin' },
    });
    return 'created';
  });
}
