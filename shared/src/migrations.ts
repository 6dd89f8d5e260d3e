import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';

export interface MigrationSettings {
  databaseUrl: string;
  /** The service's migrations/ folder (SQL files with `-- Up Migration` / `-- Down Migration`). */
  dir: string | URL;
  log: FastifyBaseLogger;
  direction?: 'up' | 'down';
  count?: number;
}

/**
 * Applies pending migrations. node-pg-migrate holds a PostgreSQL advisory lock while it runs,
 * and `advisoryLockMode: 'wait'` makes a second replica starting at the same moment wait for the
 * first instead of failing, then find nothing left to do.
 */
export async function runMigrations(settings: MigrationSettings): Promise<string[]> {
  const dir = settings.dir instanceof URL ? fileURLToPath(settings.dir) : settings.dir;
  const direction = settings.direction ?? 'up';
  if (!existsSync(dir) || !readdirSync(dir).some((name) => /\.(sql|js|ts)$/.test(name))) {
    settings.log.info({ dir }, 'no migrations to apply');
    return [];
  }
  // Our own connection rather than a URL: node-pg-migrate does not wait for the connection it
  // opens to close, so a database dropped or a server stopped right after (a test, an
  // operator's script) met a connection still open, and its "terminating connection" was an
  // uncaught error.
  const client = new pg.Client({ connectionString: settings.databaseUrl });
  client.on('error', (err) => settings.log.warn({ err }, 'migration connection lost'));
  await client.connect();
  let applied: Awaited<ReturnType<typeof runner>>;
  try {
    applied = await runner({
      dbClient: client,
      dir,
      direction,
      count: settings.count ?? (direction === 'up' ? Infinity : 1),
      migrationsTable: 'pgmigrations',
      checkOrder: true,
      singleTransaction: true,
      advisoryLockMode: 'wait',
      log: (message: string) => settings.log.debug({ migration: true }, message),
    });
  } finally {
    await client.end();
  }
  const names = applied.map((migration) => migration.name);
  settings.log.info({ applied: names, direction }, `${names.length} migration(s) applied`);
  return names;
}
