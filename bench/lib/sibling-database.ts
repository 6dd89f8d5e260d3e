import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface SiblingDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * Another database on the server of `url` (a superuser URL, such as benchDatabase's), so that
 * one PostgreSQL serves every service a benchmark starts.
 */
export async function siblingDatabase(url: string, name: string): Promise<SiblingDatabase> {
  const database = `${name}_${randomBytes(4).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  const sibling = new URL(url);
  sibling.pathname = `/${database}`;
  return {
    url: sibling.toString(),
    drop: () => run(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`),
  };
}
