/**
 * Captures the snapshots the original-fixture tests compare against, from the REAL files of
 * the original go-cloud-backend run with the real psql:
 *
 *   ORIGINAL_SOURCE=<a clone (or bare mirror) of go-cloud-backend> \
 *     npm run capture-original-catalog -w shared
 *
 * For each user-database scenario (see scenarios.ts) it builds the scenario on a scratch
 * database with the original's migration files applied by `psql -f` (keep-going, or
 * ON_ERROR_STOP, or the first 0001 and 0004 read from the history), the data written by the
 * same writers as the fixtures, and stores what the catalogue, the data, the failed statements
 * and the views' and functions' behaviour are. It does the same for the social-log database
 * with schema.sql applied by hand. Only facts about the resulting databases are stored.
 *
 * The server: CAPTURE_DATABASE_URL (a superuser URL) or a scratch embedded PostgreSQL 15.
 * ORIGINAL_COMMIT picks the commit whose files count as the final ones (default HEAD).
 */

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, startEmbeddedPostgres } from '../../dev/index.js';
import { captureCatalog } from './catalog.js';
import { gitDirOf, psqlChainRunner, readOriginalFile } from './psql-files.js';
import { ORIGINAL_USER_VARIANTS } from './scenarios.js';
import { SNAPSHOT_DIR, captureUserSnapshot, snapshotFile } from './snapshot.js';

const run = promisify(execFile);

async function scratchServer(): Promise<{ adminUrl: string; stop(): Promise<void> }> {
  const given = process.env.CAPTURE_DATABASE_URL;
  if (given) return { adminUrl: given, stop: async () => undefined };
  const dataDir = await mkdtemp(join(tmpdir(), 'capture-original-'));
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

async function withDatabase<T>(
  adminUrl: string,
  name: string,
  work: (url: string) => Promise<T>,
): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  await admin.query(`create database ${pg.escapeIdentifier(name)}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    return await work(url.toString());
  } finally {
    await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
    await admin.end();
  }
}

async function save(name: string, source: Record<string, string>, content: object): Promise<void> {
  await writeFile(snapshotFile(name), `${JSON.stringify({ source, ...content }, null, 2)}\n`);
  console.log(`wrote ${snapshotFile(name).pathname}`);
}

async function main(): Promise<void> {
  const checkout = process.env.ORIGINAL_SOURCE;
  if (!checkout) throw new Error('set ORIGINAL_SOURCE to a clone of go-cloud-backend');
  const gitDir = await gitDirOf(checkout);
  const { stdout: commit } = await run('git', [
    '--git-dir',
    gitDir,
    'rev-parse',
    process.env.ORIGINAL_COMMIT ?? 'HEAD',
  ]);
  const { stdout: psql } = await run('psql', ['--version']);
  const source = { commit: commit.trim(), psql: psql.trim() };
  await mkdir(SNAPSHOT_DIR, { recursive: true });
  const server = await scratchServer();
  try {
    const runner = psqlChainRunner(gitDir, source.commit);
    for (const variant of ORIGINAL_USER_VARIANTS) {
      const snapshot = await withDatabase(
        server.adminUrl,
        `capture_${variant.replaceAll('-', '_')}`,
        (url) => captureUserSnapshot(url, variant, { runner }),
      );
      await save(`user-${variant}`, source, snapshot);
    }
    const schema = await readOriginalFile(gitDir, source.commit, 'social-log-service/schema.sql');
    const social = await withDatabase(server.adminUrl, 'capture_social', async (url) => {
      const dir = await mkdtemp(join(tmpdir(), 'original-social-'));
      try {
        await writeFile(join(dir, 'schema.sql'), schema);
        await run('psql', [
          '-X',
          '-q',
          '-v',
          'ON_ERROR_STOP=1',
          '-d',
          url,
          '-f',
          join(dir, 'schema.sql'),
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return { catalog: await captureCatalog(client) };
      } finally {
        await client.end();
      }
    });
    await save('social-table-created-by-hand', source, social);
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(
    `capture-original-catalog: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exitCode = 1;
});
