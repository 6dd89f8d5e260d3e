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

// FILE_COPY copies the template's files instead of writing every page of it to the WAL (the
// default since PostgreSQL 15): about a third less of the server's CPU per database, measured
// on the test run's server, which creates a few hundred databases per run.
const STRATEGY = 'STRATEGY = FILE_COPY';

/** A fresh database on the run's server, for one test file (or one test). */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) =>
    admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} ${STRATEGY}`),
  );
  return testDatabaseNamed(name);
}

let adminPool: pg.Pool | undefined;

/**
 * The superuser connections of this test process. A test run creates and drops a few hundred
 * databases: with a new connection for each statement that was over 350 connections, each
 * costing the server a forked process (about 20 ms of CPU on these machines), for work that
 * takes a millisecond. Idle ones close after a few seconds and never keep a process alive.
 */
function admins(): pg.Pool {
  if (!adminPool) {
    adminPool = new pg.Pool({
      connectionString: postgresAdminUrl(),
      max: 2,
      idleTimeoutMillis: 5_000,
      allowExitOnIdle: true,
    });
    // An idle connection the server ended (a test restarting it) is dropped from the pool,
    // not an uncaught error; the next statement gets a new one.
    adminPool.on('error', () => undefined);
  }
  return adminPool;
}

/** Runs `work` on a connection to the run's server as the superuser. */
export async function withAdmin<T>(work: (admin: pg.ClientBase) => Promise<T>): Promise<T> {
  const admin = await admins().connect();
  let failure: Error | undefined;
  try {
    return await work(admin);
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    // After a failure the connection may be broken or mid-transaction: closed, not reused.
    admin.release(failure);
  }
}

/** The database `name` of the run's server, as a TestDatabase (its URL, and drop()). */
export function testDatabaseNamed(name: string): TestDatabase {
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withAdmin((admin) =>
        admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
      ).then(() => undefined),
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
