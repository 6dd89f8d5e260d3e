/**
 * The people of an original auth database, as its code and its operators wrote them: the data
 * half of the auth fixture (auth-chain.ts writes them). Ids are 1..n in the order written.
 * Ids 1–7 are the people of the user-database fixture (people.ts): the same accounts, so the
 * two databases describe the same people.
 *
 * The list holds every shape the original could leave behind: e-mails as typed (mixed case,
 * display forms, surrounding spaces trimmed), usernames generated from the text before the
 * first '@' of that typed e-mail, a username-only account with e-mail '', accounts whose
 * e-mails or usernames differ only by case (the original compared exactly), a username equal to
 * another account's e-mail, an empty-string username, and rows with NULL username, name or
 * surname (written by SQL, or left by the name back-fill of the original's third migration).
 */

/** Who wrote the row. */
export type OriginalAuthWriter =
  /**
   * POST /register of the original's last version: every field trimmed, the username
   * generated when none was sent. An admin was made by promoting such an account with SQL.
   */
  | 'register'
  /**
   * An account-creation script of the kind the original's history mentions: e-mail, username,
   * password, role and created_at, no names (a later run of the name migration gave them
   * name 'User' and surname = username).
   */
  | 'script'
  /** A statement run by hand, straight into the table: the given values, NULLs included. */
  | 'sql';

/**
 * When the row was written: while the service ran (before the migrations were run once more
 * and back-filled missing names), or by SQL after the migrations last ran (NULLs stay NULL).
 */
export type OriginalAuthPhase = 'service' | 'late';

export interface OriginalAuthAccount {
  /** users.id the original's sequence gave it. */
  id: number;
  phase: OriginalAuthPhase;
  writer: OriginalAuthWriter;
  /** What was sent to the register handler, or the values of the insert. */
  sent: {
    email: string;
    /** Omitted: not sent (register) or not written (script); null: SQL NULL. */
    username?: string | null;
    name?: string | null;
    surname?: string | null;
    password: string;
    /** 'admin': promoted by SQL right after. */
    role?: 'user' | 'admin';
    /** The writer's clock (UTC); null: an insert that set NULL explicitly. */
    createdAt: string | null;
  };
  /** The row as the original left it once every migration had run. */
  stored: {
    email: string;
    username: string | null;
    name: string | null;
    surname: string | null;
    role: 'user' | 'admin';
  };
}

export const ORIGINAL_AUTH_ACCOUNTS: readonly OriginalAuthAccount[] = [
  // The people of the user-database fixture.
  {
    id: 1,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'giulia.romano@example.com',
      username: 'giulia',
      name: 'Giulia',
      surname: 'Romano',
      password: 'giulia-admin',
      role: 'admin',
      createdAt: '2025-06-05T09:00:00Z',
    },
    stored: {
      email: 'giulia.romano@example.com',
      username: 'giulia',
      name: 'Giulia',
      surname: 'Romano',
      role: 'admin',
    },
  },
  {
    id: 2,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'marco.bianchi@example.com',
      username: 'marco',
      name: 'Marco',
      surname: 'Bianchi',
      password: 'marco-pass',
      createdAt: '2025-06-05T09:10:00Z',
    },
    stored: {
      email: 'marco.bianchi@example.com',
      username: 'marco',
      name: 'Marco',
      surname: 'Bianchi',
      role: 'user',
    },
  },
  {
    id: 3,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'Sara.Colombo@Example.com',
      username: 'sara',
      name: 'Sara',
      surname: 'Colombo',
      password: 'sara-pass',
      createdAt: '2025-06-06T10:00:00Z',
    },
    stored: {
      email: 'Sara.Colombo@Example.com',
      username: 'sara',
      name: 'Sara',
      surname: 'Colombo',
      role: 'user',
    },
  },
  {
    id: 4,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'luca.ricci@example.com',
      username: 'luca',
      name: 'Luca',
      surname: 'Ricci',
      password: 'luca-ricci',
      createdAt: '2025-06-08T11:30:00Z',
    },
    stored: {
      email: 'luca.ricci@example.com',
      username: 'luca',
      name: 'Luca',
      surname: 'Ricci',
      role: 'user',
    },
  },
  {
    id: 5,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'elena.greco@example.com',
      username: 'elena',
      name: 'Elena',
      surname: 'Greco',
      password: 'elena-admin',
      role: 'admin',
      createdAt: '2025-06-09T08:00:00Z',
    },
    stored: {
      email: 'elena.greco@example.com',
      username: 'elena',
      name: 'Elena',
      surname: 'Greco',
      role: 'admin',
    },
  },
  {
    // Inserted by hand with names but no username.
    id: 6,
    phase: 'service',
    writer: 'sql',
    sent: {
      email: 'paolo.conti@example.com',
      username: null,
      name: 'Paolo',
      surname: 'Conti',
      password: 'paolo-conti',
      createdAt: '2025-06-09T08:30:00Z',
    },
    stored: {
      email: 'paolo.conti@example.com',
      username: null,
      name: 'Paolo',
      surname: 'Conti',
      role: 'user',
    },
  },
  {
    id: 7,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'chiara.gallo@example.com',
      username: 'chiara',
      name: 'Chiara',
      surname: 'Gallo',
      password: 'chiara-pass',
      createdAt: '2025-06-12T14:00:00Z',
    },
    stored: {
      email: 'chiara.gallo@example.com',
      username: 'chiara',
      name: 'Chiara',
      surname: 'Gallo',
      role: 'user',
    },
  },

  // Made by scripts, without names: the migrations' next run named them 'User' <username>.
  {
    id: 8,
    phase: 'service',
    writer: 'script',
    sent: {
      email: 'admin@example.com',
      username: 'admin',
      password: 'Admin-2025!',
      role: 'admin',
      createdAt: '2025-06-13T10:55:12.482913Z',
    },
    stored: {
      email: 'admin@example.com',
      username: 'admin',
      name: 'User',
      surname: 'admin',
      role: 'admin',
    },
  },
  {
    id: 9,
    phase: 'service',
    writer: 'script',
    sent: {
      email: 'Mario.Rossi@Example.com',
      username: 'mario',
      password: 'mario2025',
      createdAt: '2025-06-13T11:02:40.1Z',
    },
    stored: {
      email: 'Mario.Rossi@Example.com',
      username: 'mario',
      name: 'User',
      surname: 'mario',
      role: 'user',
    },
  },
  {
    id: 10,
    phase: 'service',
    writer: 'script',
    sent: {
      email: 'anon@example.com',
      username: null,
      password: 'anon-pass',
      createdAt: '2025-06-13T12:00:00Z',
    },
    stored: {
      email: 'anon@example.com',
      username: null,
      name: 'User',
      surname: null,
      role: 'user',
    },
  },
  {
    id: 11,
    phase: 'service',
    writer: 'script',
    sent: {
      email: 'Early.Bird@example.com',
      username: '',
      password: 'early-bird',
      createdAt: '2025-06-13T12:30:05.000001Z',
    },
    stored: {
      email: 'Early.Bird@example.com',
      username: '',
      name: 'User',
      surname: '',
      role: 'user',
    },
  },

  // Registered through the service.
  {
    id: 12,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'Luca.Bianchi@example.com',
      name: 'Luca',
      surname: 'Bianchi',
      password: 'luca-first',
      createdAt: '2025-06-14T08:00:00.123456Z',
    },
    stored: {
      email: 'Luca.Bianchi@example.com',
      username: 'Luca.Bianchi',
      name: 'Luca',
      surname: 'Bianchi',
      role: 'user',
    },
  },
  {
    // The same address in lower case, by someone else; its generated username too.
    id: 13,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'luca.bianchi@example.com',
      name: 'Luca',
      surname: 'Bianchi',
      password: 'luca-second',
      createdAt: '2025-06-14T09:15:00Z',
    },
    stored: {
      email: 'luca.bianchi@example.com',
      username: 'luca.bianchi',
      name: 'Luca',
      surname: 'Bianchi',
      role: 'user',
    },
  },
  {
    id: 14,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'anna@example.com',
      username: 'anna',
      name: 'Anna',
      surname: 'Verdi',
      password: 'anna-pass1',
      createdAt: '2025-06-15T10:00:00Z',
    },
    stored: {
      email: 'anna@example.com',
      username: 'anna',
      name: 'Anna',
      surname: 'Verdi',
      role: 'user',
    },
  },
  {
    // Another person whose chosen username is the previous one's e-mail.
    id: 15,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'anna.verdi@example.com',
      username: 'anna@example.com',
      name: 'Anna Maria',
      surname: 'Verdi',
      password: 'verdi-pass',
      createdAt: '2025-06-15T10:05:00Z',
    },
    stored: {
      email: 'anna.verdi@example.com',
      username: 'anna@example.com',
      name: 'Anna Maria',
      surname: 'Verdi',
      role: 'user',
    },
  },
  {
    id: 16,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'Carla Neri <carla.neri@example.com>',
      name: 'Carla',
      surname: 'Neri',
      password: 'carla-pass',
      createdAt: '2025-06-15T14:20:00Z',
    },
    stored: {
      email: 'Carla Neri <carla.neri@example.com>',
      username: 'Carla Neri <carla.neri',
      name: 'Carla',
      surname: 'Neri',
      role: 'user',
    },
  },
  {
    id: 17,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'Dario <dario@example.com>',
      name: 'Dario',
      surname: 'Gallo',
      password: 'dario-old',
      createdAt: '2025-06-16T07:00:00Z',
    },
    stored: {
      email: 'Dario <dario@example.com>',
      username: 'Dario <dario',
      name: 'Dario',
      surname: 'Gallo',
      role: 'user',
    },
  },
  {
    // The bare address of the display form above, registered by someone else.
    id: 18,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'dario@example.com',
      name: 'Dario',
      surname: 'Conti',
      password: 'dario-new',
      createdAt: '2025-06-16T08:00:00Z',
    },
    stored: {
      email: 'dario@example.com',
      username: 'dario',
      name: 'Dario',
      surname: 'Conti',
      role: 'user',
    },
  },
  {
    id: 19,
    phase: 'service',
    writer: 'register',
    sent: {
      email: '<elena@example.com>',
      name: 'Elena',
      surname: 'Russo',
      password: 'elena-pass',
      createdAt: '2025-06-16T09:30:00Z',
    },
    stored: {
      email: '<elena@example.com>',
      username: '<elena',
      name: 'Elena',
      surname: 'Russo',
      role: 'user',
    },
  },
  {
    // The one username-only account the original's unique '' e-mail allowed.
    id: 20,
    phase: 'service',
    writer: 'register',
    sent: {
      email: '',
      username: 'gianni',
      name: 'Gianni',
      surname: 'Ferrari',
      password: 'gianni',
      createdAt: '2025-06-17T10:00:00Z',
    },
    stored: { email: '', username: 'gianni', name: 'Gianni', surname: 'Ferrari', role: 'user' },
  },
  {
    // Chose, in other case, the username the port would generate for account 6 (none).
    id: 21,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'francesca@example.com',
      username: 'User6',
      name: 'Francesca',
      surname: 'Romano',
      password: 'fra-pass',
      createdAt: '2025-06-17T11:00:00Z',
    },
    stored: {
      email: 'francesca@example.com',
      username: 'User6',
      name: 'Francesca',
      surname: 'Romano',
      role: 'user',
    },
  },
  {
    // Generated: 'mario' was taken, so 'mario1'.
    id: 22,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'mario@example.com',
      name: 'Mario',
      surname: 'Bruno',
      password: 'mario-two',
      createdAt: '2025-06-18T12:00:00Z',
    },
    stored: {
      email: 'mario@example.com',
      username: 'mario1',
      name: 'Mario',
      surname: 'Bruno',
      role: 'user',
    },
  },
  {
    // The same address in capitals, and a generated username differing from 'mario' by case.
    id: 23,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'MARIO@example.com',
      name: 'Mario',
      surname: 'Greco',
      password: 'mario-three',
      createdAt: '2025-06-18T12:30:00Z',
    },
    stored: {
      email: 'MARIO@example.com',
      username: 'MARIO',
      name: 'Mario',
      surname: 'Greco',
      role: 'user',
    },
  },
  {
    id: 24,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'Mixed.Case@Example.COM',
      username: 'mixedcase',
      name: 'Mixed',
      surname: 'Case',
      password: 'mixed-pass',
      createdAt: '2025-06-19T13:00:00Z',
    },
    stored: {
      email: 'Mixed.Case@Example.COM',
      username: 'mixedcase',
      name: 'Mixed',
      surname: 'Case',
      role: 'user',
    },
  },
  {
    id: 25,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'stefano@example.com',
      username: 'Stefano',
      name: 'Stefano',
      surname: 'Marino',
      password: 'stefano-one',
      createdAt: '2025-06-19T14:00:00Z',
    },
    stored: {
      email: 'stefano@example.com',
      username: 'Stefano',
      name: 'Stefano',
      surname: 'Marino',
      role: 'user',
    },
  },
  {
    id: 26,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 's.rossi@example.com',
      username: 'stefano',
      name: 'Stefano',
      surname: 'Rossi',
      password: 'stefano-two',
      createdAt: '2025-06-19T15:00:00Z',
    },
    stored: {
      email: 's.rossi@example.com',
      username: 'stefano',
      name: 'Stefano',
      surname: 'Rossi',
      role: 'user',
    },
  },
  {
    // Sent with spaces around every field: register trimmed them all, the password too.
    id: 27,
    phase: 'service',
    writer: 'register',
    sent: {
      email: '  paolo@example.com ',
      name: ' Paolo ',
      surname: 'Esposito  ',
      password: ' paolo-pass ',
      createdAt: '2025-06-20T16:00:00Z',
    },
    stored: {
      email: 'paolo@example.com',
      username: 'paolo',
      name: 'Paolo',
      surname: 'Esposito',
      role: 'user',
    },
  },
  {
    // A username containing '@' that is nobody's e-mail.
    id: 28,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'zeno.real@example.com',
      username: 'zeno@example.org',
      name: 'Zeno',
      surname: 'Lombardi',
      password: 'zeno-pass',
      createdAt: '2025-06-21T09:00:00Z',
    },
    stored: {
      email: 'zeno.real@example.com',
      username: 'zeno@example.org',
      name: 'Zeno',
      surname: 'Lombardi',
      role: 'user',
    },
  },
  {
    // Chose the username the port would generate for account 30 (none).
    id: 29,
    phase: 'service',
    writer: 'register',
    sent: {
      email: 'hugo@example.com',
      username: 'user30',
      name: 'Hugo',
      surname: 'Moretti',
      password: 'hugo-pass',
      createdAt: '2025-06-22T10:00:00Z',
    },
    stored: {
      email: 'hugo@example.com',
      username: 'user30',
      name: 'Hugo',
      surname: 'Moretti',
      role: 'user',
    },
  },

  // Written by SQL after the migrations had last run: their NULLs were never back-filled.
  {
    id: 30,
    phase: 'late',
    writer: 'sql',
    sent: {
      email: 'late@example.com',
      username: null,
      name: null,
      surname: null,
      password: 'late-pass',
      createdAt: null,
    },
    stored: { email: 'late@example.com', username: null, name: null, surname: null, role: 'user' },
  },
  {
    id: 31,
    phase: 'late',
    writer: 'sql',
    sent: {
      email: 'Nora@Example.com',
      username: 'nora',
      name: 'Nora',
      surname: null,
      password: 'nora-pass',
      createdAt: '2025-06-24T18:45:00Z',
    },
    stored: {
      email: 'Nora@Example.com',
      username: 'nora',
      name: 'Nora',
      surname: null,
      role: 'user',
    },
  },
];

/** What the person types as the password: register trimmed what was sent. */
export function originalPassword(account: OriginalAuthAccount): string {
  return account.writer === 'register' ? account.sent.password.trim() : account.sent.password;
}

/**
 * Every identifier the original matched for the account: its stored e-mail and username,
 * exactly (it compared case-sensitively, and never matched ''). For a row with a NULL
 * username, name or surname the original answered each of them with a 500.
 */
export function originalIdentifiers(account: OriginalAuthAccount): string[] {
  return [account.stored.email, account.stored.username].filter(
    (identifier): identifier is string => identifier !== null && identifier !== '',
  );
}

/**
 * Groups of accounts the original let collide: the same e-mail or username but for case (once
 * display forms are reduced to their address), or a username equal to another account's
 * e-mail. Keys are lower-case.
 */
export const ORIGINAL_AUTH_COLLISIONS: readonly {
  kind: 'email' | 'username' | 'username_is_email';
  key: string;
  userIds: readonly number[];
}[] = [
  { kind: 'email', key: 'dario@example.com', userIds: [17, 18] },
  { kind: 'email', key: 'luca.bianchi@example.com', userIds: [12, 13] },
  { kind: 'email', key: 'mario@example.com', userIds: [22, 23] },
  { kind: 'username', key: 'luca.bianchi', userIds: [12, 13] },
  { kind: 'username', key: 'mario', userIds: [9, 23] },
  { kind: 'username', key: 'stefano', userIds: [25, 26] },
  { kind: 'username_is_email', key: 'anna@example.com', userIds: [14, 15] },
];

/** A POST /login the original served, in the order they happened. */
export interface OriginalLoginAttempt {
  /** The `email` field as sent (the original tried it against e-mails and usernames). */
  identifier: string;
  password: string;
  /** The TCP peer the original logged: the gateway container. */
  ip: string;
  userAgent: string;
  /** When it happened (UTC): the auth_logs row's timestamp. */
  at: string;
}

const GATEWAY = '172.18.0.6';
const PHONE = 'Dart/3.4 (dart:io)';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/125.0 Safari/537.36';

function attempt(identifier: string, password: string, userAgent: string, at: string) {
  return { identifier, password, ip: GATEWAY, userAgent, at };
}

/**
 * Logins against the accounts, after the migrations' last run. The login writer decides each
 * outcome as the original did: one row among those matching exactly (whichever PostgreSQL
 * returned first); a NULL column answered 500 and logged nothing; an unknown identifier left a
 * row only in the build that logged those.
 */
export const ORIGINAL_LOGIN_ATTEMPTS: readonly OriginalLoginAttempt[] = [
  attempt('giulia.romano@example.com', 'giulia-admin', BROWSER, '2025-06-22T08:00:00Z'),
  attempt('Sara.Colombo@Example.com', 'sara-pass', PHONE, '2025-06-22T08:02:00Z'),
  attempt('admin@example.com', 'Admin-2025!', BROWSER, '2025-06-22T08:04:00Z'),
  attempt('Luca.Bianchi@example.com', 'luca-first', PHONE, '2025-06-22T08:05:00Z'),
  // Two rows match exactly (14 by e-mail, 15 by username); the original read one of them.
  attempt('anna@example.com', 'verdi-pass', PHONE, '2025-06-22T08:10:00Z'),
  attempt('mario', 'not the password', BROWSER, '2025-06-22T08:15:00Z'),
  attempt('gianni', 'gianni', PHONE, '2025-06-22T08:20:00Z'),
  attempt('Carla Neri <carla.neri@example.com>', 'carla-pass', BROWSER, '2025-06-22T08:25:00Z'),
  // NULL username and surname: a 500, nothing logged.
  attempt('anon@example.com', 'anon-pass', PHONE, '2025-06-22T08:30:00Z'),
  attempt('nobody@example.com', 'whatever', PHONE, '2025-06-22T08:35:00Z'),
  attempt('MARIO@example.com', 'mario-three', BROWSER, '2025-06-22T08:40:00Z'),
];
