import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { postgresAdminUrl, type TestDatabase } from './database.js';

// PostgreSQL refuses to copy a database someone is connected to (55006). A client that has just
// ended may still count for a moment, until its server process has gone.
const SOURCE_IN_USE = '55006';
const ATTEMPTS = 50;
const PAUSE_MS = 100;

/**
 * A new database on the run's server, a copy of `source` (CREATE DATABASE … TEMPLATE): a
 * fixture that takes seconds to build is built once and each test that changes it gets its own
 * copy, object for object and row for row. Nothing may be connected to `source` meanwhile.
 */
export async function copyTestDatabase(
  source: TestDatabase,
  prefix = 'copy',
): Promise<TestDatabase> {
  const adminUrl = postgresAdminUrl();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(
          `CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(source.name)}`,
        );
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== SOURCE_IN_USE || attempt >= ATTEMPTS) throw err;
        await sleep(PAUSE_MS);
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
