import { randomUUID } from 'node:crypto';
import { HttpError, recordAuthAttempt, withTransaction } from '@cloud-backend/shared';
import { ERRORS } from '../messages.js';
import type { Queryable } from '../repositories/queryable.js';
import { emailTaken, insertUser, type NewUser, type UserRow } from '../repositories/users.js';
import { recordAuthEvent, SERVICE } from './auth-events.js';
import type { AuthDeps } from './deps.js';
import { checkRegistration, usernameBase, type RegistrationInput } from './registration-rules.js';
import type { RequestContext } from './request-context.js';

// Enough for any realistic run of namesakes; past it a random suffix ends the search.
const NUMBERED_CANDIDATES = 50;

function userExists(): HttpError {
  return new HttpError(409, ERRORS.userExists.code, ERRORS.userExists.error);
}

/**
 * Inserts with a username derived from the email (as the original did: base, base1, base2, …).
 * The unique indexes decide: an insert that conflicts is either a taken email (409) or a taken
 * username (next candidate). Bounded, and a database error is an error, never "taken".
 */
export async function insertWithGeneratedUsername(
  db: Queryable,
  user: Omit<NewUser, 'username'> & { email: string },
): Promise<UserRow> {
  const base = usernameBase(user.email);
  const candidates = [base];
  for (let n = 1; n < NUMBERED_CANDIDATES; n++) candidates.push(`${base}${String(n)}`);
  candidates.push(`${base}${randomUUID().slice(0, 8)}`);
  for (const username of candidates) {
    const row = await insertUser(db, { ...user, username });
    if (row) return row;
    if (await emailTaken(db, user.email)) throw userExists();
  }
  throw new Error('no free username found for a generated account');
}

export async function register(
  deps: AuthDeps,
  context: RequestContext,
  input: RegistrationInput,
): Promise<UserRow> {
  const registration = checkRegistration(input, deps.settings.passwordMinLength);
  const passwordHash = await deps.hasher.hash(registration.password);
  const fields = {
    name: registration.name,
    surname: registration.surname,
    passwordHash,
  };
  const user = await withTransaction(deps.pool, async (db) => {
    let created: UserRow | null;
    if (registration.username !== null) {
      created = await insertUser(db, {
        ...fields,
        email: registration.email,
        username: registration.username,
      });
      if (!created) throw userExists();
    } else {
      // checkRegistration guarantees an email when no username was given.
      created = await insertWithGeneratedUsername(db, {
        ...fields,
        email: registration.email ?? '',
      });
    }
    await recordAuthEvent(db, context, {
      action: 'register',
      success: true,
      email: created.email ?? '',
      username: created.username,
      userId: created.id,
    });
    return created;
  });
  // The original counted a registration as a successful auth attempt; dashboards rely on it.
  recordAuthAttempt(true, SERVICE);
  return user;
}
