import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
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
  const applied = await runner({
    databaseUrl: settings.databaseUrl,
    dir,
    direction,
    count: settings.count ?? (direction === 'up' ? Infinity : 1),
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    log: (message: string) => settings.log.debug({ migration: true }, message),
  });
  const names = applied.map((migration) => migration.name);
  settings.log.info({ applied: names, direction }, `${names.length} migration(s) applied`);
  return names;
}
