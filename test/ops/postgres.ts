import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresAdminUrl } from '@cloud-backend/shared/testing';

/** libpq's environment for the test run's superuser (what psql and pg_dump read). */
export function libpqEnvironment(url = postgresAdminUrl()): Record<string, string> {
  const parsed = new URL(url);
  return {
    PGHOST: parsed.hostname,
    PGPORT: parsed.port || '5432',
    PGUSER: decodeURIComponent(parsed.username),
    PGPASSWORD: decodeURIComponent(parsed.password),
  };
}

/** A libpq service file section that reaches `database` on the test server as `url`'s user. */
export function serviceSection(name: string, database: string, url = postgresAdminUrl()): string {
  const env = libpqEnvironment(url);
  return [
    `[${name}]`,
    `host=${env.PGHOST ?? ''}`,
    `port=${env.PGPORT ?? ''}`,
    `user=${env.PGUSER ?? ''}`,
    `password=${env.PGPASSWORD ?? ''}`,
    `dbname=${database}`,
    '',
  ].join('\n');
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** The URL of `database` on the test server, as `role` (the superuser by default). */
export function urlFor(database: string, role?: { name: string; password: string }): string {
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${database}`;
  if (role) {
    url.username = role.name;
    url.password = role.password;
  }
  return url.toString();
}

export async function withClient<T>(
  url: string,
  use: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabases(...names: string[]): Promise<void> {
  await withClient(urlFor('postgres'), async (client) => {
    for (const name of names) {
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    }
  });
}
