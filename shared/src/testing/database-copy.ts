import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { testDatabaseNamed, withAdmin, type TestDatabase } from './database.js';

// PostgreSQL refuses to copy a database someone is connected to (55006). A client that has just
// ended may still count for a moment, until its server process has gone.
const SOURCE_IN_USE = '55006';
const ATTEMPTS = 50;
const PAUSE_MS = 100;

/**
 * A new database on the run's server, a copy of `source` (CREATE DATABASE … TEMPLATE): a
 * fixture that takes seconds to build is built once and each test that changes it gets its own
 * copy, object for object and row for row (FILE_COPY, as createTestDatabase copies). Nothing may be connected to `source` meanwhile.
 */
export async function copyTestDatabase(
  source: TestDatabase,
  prefix = 'copy',
): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withAdmin(async (admin) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(
          `CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(source.name)} STRATEGY = FILE_COPY`,
        );
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== SOURCE_IN_USE || attempt >= ATTEMPTS) throw err;
        await sleep(PAUSE_MS);
      }
    }
  });
  return testDatabaseNamed(name);
}
