import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { inject } from 'vitest';
import { runMigrations } from '../migrations.js';
import './provided-context.js';

export interface TestDatabase {
  /** URL of a new, empty database, as the superuser. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** The run's PostgreSQL superuser URL (from the global setup). */
export function postgresAdminUrl(): string {
  return inject('postgresAdminUrl');
}

/** A fresh database on the run's server, for one test file (or one test). */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const adminUrl = postgresAdminUrl();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
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

/** Applies a service's migrations to a test database, quietly. */
export async function migrateTestDatabase(url: string, dir: URL): Promise<void> {
  await runMigrations({ databaseUrl: url, dir, log: pino({ level: 'silent' }) });
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
  const db = await createTestDatabase(prefix);
  if (migrations) await migrateTestDatabase(db.url, migrations);
  const app = await build(db.url);
  app.addHook('onClose', () => db.drop());
  return app;
}
