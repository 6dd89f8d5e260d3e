/**
 * Captures snapshots/auth-<variant>.json from the REAL files of the original go-cloud-backend
 * run with the real psql (no ON_ERROR_STOP, as its operators ran them), with the same data
 * writers as the fixture, on a scratch database per history of AUTH_CHAIN_VARIANTS:
 *
 *   ORIGINAL_SOURCE=<a clone (or bare mirror) of go-cloud-backend> \
 *     node --conditions=@cloud-backend/source --import tsx \
 *     shared/src/testing/original/auth-capture.ts
 *
 * The files come from the history: the last commit's 0001–0006, the hand-made early file
 * before roles were written into it (e61a694), and 0001 while it was still empty (c749f72).
 * 'log-columns' is not a file of the original: our statement is run with psql too. Only facts
 * about the resulting databases are stored.
 *
 * The server: CAPTURE_DATABASE_URL (a superuser URL) or a scratch embedded PostgreSQL 15.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, startEmbeddedPostgres } from '../../dev/index.js';
import {
  AUTH_CHAIN_SQL,
  AUTH_CHAIN_VARIANT_NAMES,
  type AuthChainFile,
  type AuthFileRunner,
} from './auth-chain.js';
import { authSnapshotName, captureAuthSnapshot } from './auth-snapshot.js';
import { gitDirOf, psqlErrors, readOriginalFile, splitLikePsql } from './psql-files.js';
import type { StatementFailure } from './run-statements.js';
import { snapshotFile } from './snapshot.js';

const run = promisify(execFile);

const HEAD = 'e5943bc';
const SOURCES: Record<Exclude<AuthChainFile, 'log-columns'>, { commit: string; path: string }> = {
  'early-tables': {
    commit: 'e61a694',
    path: 'auth-service/migration/-- auth-service/migrations/0001_create_auth_logs.sql',
  },
  '0001-empty': { commit: 'c749f72', path: 'auth-service/migrations/0001_create_users.sql' },
  '0001': { commit: HEAD, path: 'auth-service/migrations/0001_create_users.sql' },
  '0002': { commit: HEAD, path: 'auth-service/migrations/0002_add_role_to_users.sql' },
  '0003': { commit: HEAD, path: 'auth-service/migrations/0003_add_names_to_users.sql' },
  '0004': { commit: HEAD, path: 'auth-service/migrations/0004_add_last_login_to_users.sql' },
  '0005': { commit: HEAD, path: 'auth-service/migrations/0005_create_auth_log.sql' },
  '0006': { commit: HEAD, path: 'auth-service/migrations/0006_create_auth_logs.sql' },
};

/**
 * Runs the real file with `psql -f`, keep-going, and maps each error psql reports to the
 * statement ending on its line. The file must split into as many statements as our version
 * of it, or the two would not be comparable.
 */
function psqlAuthRunner(gitDir: string): AuthFileRunner {
  return async ({ databaseUrl }, file) => {
    const text =
      file === 'log-columns'
        ? `${AUTH_CHAIN_SQL[file].join(';\n')};\n`
        : await readOriginalFile(gitDir, SOURCES[file].commit, SOURCES[file].path);
    const statements = splitLikePsql(text);
    if (statements.length !== AUTH_CHAIN_SQL[file].length) {
      throw new Error(
        `${file}: psql sends ${String(statements.length)} statements, the fixture ` +
          String(AUTH_CHAIN_SQL[file].length),
      );
    }
    const dir = await mkdtemp(join(tmpdir(), 'original-auth-file-'));
    const local = join(dir, `${file}.sql`);
    try {
      await writeFile(local, text);
      const { stderr } = await run('psql', [
        '-X',
        '-q',
        '-v',
        'VERBOSITY=verbose',
        '-d',
        databaseUrl,
        '-f',
        local,
      ]);
      const failures: StatementFailure[] = psqlErrors(stderr, local).map((error) => ({
        file,
        statement: statements.findIndex((statement) => statement.endLine >= error.line) + 1,
        sqlstate: error.sqlstate,
        message: error.message,
      }));
      return {
        file,
        statements: statements.length,
        ran: statements.length,
        failures,
        stopped: false,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

async function scratchServer(): Promise<{ adminUrl: string; stop(): Promise<void> }> {
  const given = process.env.CAPTURE_DATABASE_URL;
  if (given) return { adminUrl: given, stop: async () => undefined };
  const dataDir = await mkdtemp(join(tmpdir(), 'capture-original-auth-'));
  const server = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    password: 'capture',
    persistent: false,
  });
  return {
    adminUrl: server.adminUrl,
    stop: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const checkout = process.env.ORIGINAL_SOURCE;
  if (!checkout) throw new Error('set ORIGINAL_SOURCE to a clone of go-cloud-backend');
  const gitDir = await gitDirOf(checkout);
  const { stdout: psql } = await run('psql', ['--version']);
  const source = {
    commits: { head: HEAD, early: 'e61a694', empty0001: 'c749f72' },
    psql: psql.trim(),
  };
  const server = await scratchServer();
  try {
    for (const variant of AUTH_CHAIN_VARIANT_NAMES) {
      const name = `capture_auth_${variant.replaceAll('-', '_')}`;
      const admin = new pg.Client({ connectionString: server.adminUrl });
      await admin.connect();
      try {
        await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
        await admin.query(`create database ${pg.escapeIdentifier(name)}`);
        const url = new URL(server.adminUrl);
        url.pathname = `/${name}`;
        const snapshot = await captureAuthSnapshot(url.toString(), variant, {
          runner: psqlAuthRunner(gitDir),
        });
        const file = snapshotFile(authSnapshotName(variant));
        await writeFile(file, `${JSON.stringify({ source, ...snapshot }, null, 2)}\n`);
        console.log(`wrote ${file.pathname}`);
      } finally {
        await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
        await admin.end();
      }
    }
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`auth-capture: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
