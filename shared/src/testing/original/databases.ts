/**
 * Databases named and owned as in the original's compose file, where each PostgreSQL
 * container's POSTGRES_USER (auth_admin, user_admin, social_admin) was its superuser and
 * owned the database and everything in it. Dumps of a fixture made this way name the same
 * owners as the original's backups (`ALTER TABLE … OWNER TO user_admin;`).
 */

import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The original's databases and the role that owned each. */
export const ORIGINAL_DATABASES = {
  auth: { name: 'auth_logs_db', owner: 'auth_admin' },
  users: { name: 'users_db', owner: 'user_admin' },
  social: { name: 'social_logs_db', owner: 'social_admin' },
} as const;

export type OriginalOwner = (typeof ORIGINAL_DATABASES)[keyof typeof ORIGINAL_DATABASES]['owner'];

/** The password the fixtures give the owner roles (roles are shared by the whole server). */
export const ORIGINAL_OWNER_PASSWORD = 'original-fixture-owner';

export interface OriginalDatabase {
  /** The database's (unique) name on this server. */
  name: string;
  /** URL connecting as the owner role. */
  url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates the owner role if the server lacks it (a superuser, as in the original's containers;
 * safe when several test files do it at once) and a new database it owns. `prefix` starts the
 * database's name (a random suffix keeps parallel test files apart); the original's name is
 * what backups are named after (see writeOriginalBackup).
 */
export async function createOriginalDatabase(
  adminUrl: string,
  owner: OriginalOwner,
  prefix: string = owner,
): Promise<OriginalDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await withAdmin(adminUrl, async (client) => {
    await client.query(
      `do $$
       begin
         create role ${pg.escapeIdentifier(owner)} login superuser
           password ${pg.escapeLiteral(ORIGINAL_OWNER_PASSWORD)};
       exception when duplicate_object or unique_violation then null;
       end
       $$`,
    );
    await client.query(
      `create database ${pg.escapeIdentifier(name)} owner ${pg.escapeIdentifier(owner)}`,
    );
  });
  const url = new URL(adminUrl);
  url.username = owner;
  url.password = ORIGINAL_OWNER_PASSWORD;
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      withAdmin(adminUrl, async (client) => {
        await client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
      }),
  };
}
