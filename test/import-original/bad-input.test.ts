/**
 * make import-original on backups it must refuse: one clear line, exit 1, and the port never
 * touched. Every backup is checked whole before the target is opened, so a refused run must not
 * even create make dev's data folder (opening the target creates it, then starts PostgreSQL in
 * it): that is what "the target as it was" means here, without a server to compare.
 *
 * The cases run the command's run in this process (support/command.ts), as the script does;
 * what only the script adds (the line on stderr, the exit code, no stack trace) is shown on two
 * of them as real processes. A dump of another database is refused only once restored into a
 * staging database: that case needs a server and is in import.test.ts.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@cloud-backend/shared/dev';
import { postgresAdminUrl } from '@cloud-backend/shared/testing';
import {
  expectOneLine,
  importInProcess,
  importOriginal,
  type CommandResult,
} from './support/command.js';
import {
  createOriginalDatabases,
  writeBackups,
  type OriginalDatabases,
} from './support/original.js';

const RUN_MS = 120_000;

let work: string;
let dumps: string;
let originals: OriginalDatabases;
let env: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'import-original-bad-'));
  dumps = join(work, 'backups');
  await mkdir(dumps);
  // A data folder that does not exist, on a port nothing listens on: a run that opened the
  // target would create the one and start PostgreSQL on the other.
  env = { DEV_DATA_DIR: join(work, 'data'), DEV_POSTGRES_PORT: String(await freePort()) };
  originals = await createOriginalDatabases(postgresAdminUrl());
  await writeBackups(originals, dumps, '2025-06-20_02-00-00');
}, RUN_MS);

afterAll(async () => {
  await originals.drop();
  await rm(work, { recursive: true, force: true });
});

/** The night's three good backups in a folder of their own, then `make` spoils one. */
async function folderWith(make: (folder: string) => Promise<void>): Promise<string> {
  const folder = await mkdtemp(join(work, 'bad-'));
  for (const db of ['auth_logs_db', 'users_db', 'social_logs_db']) {
    const file = `${db}_2025-06-20_02-00-00.sql.gz`;
    await copyFile(join(dumps, file), join(folder, file));
  }
  await make(folder);
  return folder;
}

const users = (folder: string) => join(folder, 'users_db_2025-06-20_02-00-00.sql.gz');

const truncated = async (f: string) =>
  truncate(users(f), Math.floor((await readFile(users(f))).length / 2));

/** Refused with one line, and the target never opened. */
function expectRefused(result: CommandResult, pattern: RegExp): void {
  expectOneLine(result, pattern);
  expect(existsSync(env.DEV_DATA_DIR ?? '')).toBe(false);
}

describe('bad input: one clear line, the target never opened', () => {
  const cases: [string, (folder: string) => Promise<void>, RegExp][] = [
    [
      'a dump missing',
      (f) => rm(users(f)),
      /no backup of users_db in .*users_db_YYYY-MM-DD_HH-MM-SS\.sql\.gz/,
    ],
    ['a truncated .gz', truncated, /users_db_2025-06-20_02-00-00\.sql\.gz is cut short/],
    [
      'a corrupt .gz',
      async (f) => {
        const bytes = await readFile(users(f));
        for (let i = 20; i < bytes.length - 20; i += 7) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
        await writeFile(users(f), bytes);
      },
      /users_db_2025-06-20_02-00-00\.sql\.gz (is not a gzip file, or is damaged|is cut short)/,
    ],
    [
      'an empty file, as the original wrote when pg_dump failed',
      (f) => writeFile(users(f), gzipSync(Buffer.alloc(0))),
      /is empty: the original's backup job wrote an empty file/,
    ],
    [
      'a file that is not a pg_dump plain dump',
      (f) => writeFile(users(f), gzipSync(Buffer.from('id,name\n1,Anna\n'))),
      /is not a plain pg_dump file/,
    ],
  ];

  it.each(cases)('%s', async (_name, make, pattern) => {
    const folder = await folderWith(make);
    expectRefused(await importInProcess({ ...env, DUMPS: folder, REPLACE: '1' }), pattern);
  });

  it('a folder that does not exist', async () => {
    expectRefused(
      await importInProcess({ ...env, DUMPS: join(work, 'nowhere') }),
      /DUMPS=.*nowhere: no such folder/,
    );
  });

  it('neither DUMPS nor ORIGINAL_*_URL', async () => {
    expectRefused(await importInProcess({ ...env }), /usage: make import-original/);
  });

  it('both DUMPS and ORIGINAL_*_URL', async () => {
    expectRefused(
      await importInProcess({
        ...env,
        DUMPS: dumps,
        ORIGINAL_AUTH_URL: originals.urls.auth_logs_db,
      }),
      /give DUMPS or ORIGINAL_\*_URL, not both/,
    );
  });

  it(
    'the script itself: the one line on stderr and exit 1, for a bad variable and for a bad file',
    async () => {
      const folder = await folderWith(truncated);
      // Two processes at once: neither touches anything the other uses.
      const [usage, cut] = await Promise.all([
        importOriginal({ ...env }),
        importOriginal({ ...env, DUMPS: folder, REPLACE: '1' }),
      ]);
      expectRefused(usage, /usage: make import-original/);
      expectRefused(cut, /users_db_2025-06-20_02-00-00\.sql\.gz is cut short/);
    },
    RUN_MS,
  );
});
