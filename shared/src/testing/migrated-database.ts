/**
 * Test databases that start with a service's schema. Running a service's migrations took about
 * 150 ms of CPU per database (node-pg-migrate's queries and its own connection, and the DDL on
 * the server), and a run migrates over a hundred. So each migrations folder is applied once per
 * run, to a database that is then only ever copied (CREATE DATABASE … TEMPLATE, FILE_COPY):
 * object for object what the migrations make, their pgmigrations rows included, so a service
 * that starts on a copy finds nothing left to apply. Tests about the migrations themselves (an
 * upgrade from an older schema, a second run) still run them on their own databases.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { copyTestDatabase } from './database-copy.js';
import {
  createTestDatabase,
  migrateTestDatabase,
  testDatabaseNamed,
  withAdmin,
  type TestDatabase,
} from './database.js';

const ident = (name: string) => pg.escapeIdentifier(name);

/**
 * Named after the service and what its migrations hold: a changed migration makes another one.
 * On a server that outlives the run (TEST_DATABASE_URL) the next run copies the same one.
 */
async function templateName(migrations: URL): Promise<string> {
  const folder = fileURLToPath(migrations);
  const hash = createHash('sha256');
  for (const file of (await readdir(folder)).sort()) {
    hash.update(`${file}\0`).update(await readFile(join(folder, file)));
  }
  const service = basename(dirname(folder))
    .replace(/[^a-z0-9]+/gi, '_')
    .toLowerCase();
  return `migrated_${service}_${hash.digest('hex').slice(0, 16)}`;
}

/** Makes the migrated database once; test files of other workers wait for it on a lock. */
async function makeTemplate(migrations: URL): Promise<TestDatabase> {
  const name = await templateName(migrations);
  await withAdmin(async (admin) => {
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    try {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount) return;
      // Built under another name and renamed once complete: an interrupted run leaves only that.
      const partial = `${name}_partial`;
      await admin.query(`DROP DATABASE IF EXISTS ${ident(partial)} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${ident(partial)} STRATEGY = FILE_COPY`);
      await migrateTestDatabase(testDatabaseNamed(partial).url, migrations);
      await admin.query(`ALTER DATABASE ${ident(partial)} RENAME TO ${ident(name)}`);
      // A connection to it would make copying it fail; nothing needs one.
      await admin.query(`ALTER DATABASE ${ident(name)} WITH ALLOW_CONNECTIONS false`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
    }
  });
  return testDatabaseNamed(name);
}

// Per worker: its files share one lookup per migrations folder.
const templates = new Map<string, Promise<TestDatabase>>();

/** A fresh database on the run's server with the migrations of `migrations` applied. */
export async function createMigratedTestDatabase(
  prefix: string,
  migrations: URL,
): Promise<TestDatabase> {
  let template = templates.get(migrations.href);
  if (!template) {
    template = makeTemplate(migrations);
    templates.set(migrations.href, template);
    template.catch(() => templates.delete(migrations.href));
  }
  return copyTestDatabase(await template, prefix);
}

/**
 * An app built on a fresh database of its own (with the service's migrations applied when
 * `migrations` is given), dropped when the app closes.
 */
export async function onTestDatabase<App extends FastifyInstance>(
  prefix: string,
  build: (databaseUrl: string) => Promise<App>,
  migrations?: URL,
): Promise<App> {
  const db = migrations
    ? await createMigratedTestDatabase(prefix, migrations)
    : await createTestDatabase(prefix);
  const app = await build(db.url);
  app.addHook('onClose', () => db.drop());
  return app;
}
