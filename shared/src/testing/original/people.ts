/**
 * The people of the original-database fixtures. Their ids are the ids of their accounts in
 * the original's auth database (`users` of auth_logs_db), which is where the user database's
 * rows came from: the user-service copied an account into its own `users` table, under the
 * same id, the first time that person scanned a QR code. An auth-database fixture should hold
 * these same accounts so that the two databases match.
 */

/** An account of the original's auth database, as the user-service read it for its copy. */
export interface OriginalAccount {
  id: number;
  /** As stored by the original (it kept the case the person typed). */
  email: string;
  /** NULL is allowed there; the user-service then fails to copy the account. */
  username: string | null;
  name: string | null;
  surname: string | null;
  role: 'user' | 'admin';
  /** `users.created_at` of the auth database (timestamp without time zone, read as UTC). */
  createdAt: string;
}

export const ORIGINAL_PEOPLE: readonly OriginalAccount[] = [
  {
    id: 1,
    email: 'giulia.romano@example.com',
    username: 'giulia',
    name: 'Giulia',
    surname: 'Romano',
    role: 'admin',
    createdAt: '2025-06-05 09:00:00',
  },
  {
    id: 2,
    email: 'marco.bianchi@example.com',
    username: 'marco',
    name: 'Marco',
    surname: 'Bianchi',
    role: 'user',
    createdAt: '2025-06-05 09:10:00',
  },
  {
    id: 3,
    // Registered with capitals; the original compared e-mails as stored.
    email: 'Sara.Colombo@Example.com',
    username: 'sara',
    name: 'Sara',
    surname: 'Colombo',
    role: 'user',
    createdAt: '2025-06-06 10:00:00',
  },
  {
    id: 4,
    email: 'luca.ricci@example.com',
    username: 'luca',
    name: 'Luca',
    surname: 'Ricci',
    role: 'user',
    createdAt: '2025-06-08 11:30:00',
  },
  {
    id: 5,
    email: 'elena.greco@example.com',
    username: 'elena',
    name: 'Elena',
    surname: 'Greco',
    role: 'admin',
    createdAt: '2025-06-09 08:00:00',
  },
  {
    id: 6,
    // No username: the user-service cannot copy this account, so every scan of theirs fails.
    email: 'paolo.conti@example.com',
    username: null,
    name: 'Paolo',
    surname: 'Conti',
    role: 'user',
    createdAt: '2025-06-09 08:30:00',
  },
  {
    id: 7,
    email: 'chiara.gallo@example.com',
    username: 'chiara',
    name: 'Chiara',
    surname: 'Gallo',
    role: 'user',
    createdAt: '2025-06-12 14:00:00',
  },
];

/** One of the people, by id. */
export function originalPerson(id: number): OriginalAccount {
  const person = ORIGINAL_PEOPLE.find((candidate) => candidate.id === id);
  if (!person) throw new Error(`no person ${id} in ORIGINAL_PEOPLE`);
  return person;
}

/**
 * Users that exist only in the user database of the oldest deployments (the first 0001):
 * `POST /users` created them with ids from the user database's own sequence, before copies
 * from the auth database existed. Their ids (1 to 3) are also ids of ORIGINAL_PEOPLE: a later
 * scan by that account found "its" row and wrote check-ins under a row describing someone
 * else (id 2 here is Mario Rossi, while account 2 is Marco Bianchi).
 */
export const EARLY_LOCAL_USERS = [
  { id: 1, name: 'Giulia', lastName: 'Romano', status: 'active' },
  { id: 2, name: 'Mario', lastName: 'Rossi', status: 'active' },
  { id: 3, name: 'Sara', lastName: 'Colombo', status: 'inactive' },
] as const;
