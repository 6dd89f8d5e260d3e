import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyOriginalUserChain,
  captureCatalog,
  createOriginalDatabase,
  postgresAdminUrl,
  runOriginalBackupNight,
  writeOriginalBackup,
  type Catalog,
  type OriginalDatabase,
} from '../src/testing/index.js';

const run = promisify(execFile);

async function catalogOf(url: string): Promise<Catalog> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await captureCatalog(client);
  } finally {
    await client.end();
  }
}

function withoutCheckText(catalog: Catalog): Catalog {
  return {
    ...catalog,
    tables: catalog.tables.map((table) => ({
      ...table,
      constraints: table.constraints.map((constraint) =>
        constraint.type === 'c' ? { ...constraint, definition: 'CHECK (…)' } : constraint,
      ),
    })),
  };
}

/** Restores a backup as the original's operators would have: gunzip, then psql into an empty database. */
async function restore(path: string, into: string): Promise<string> {
  const sql = join(await mkdtemp(join(tmpdir(), 'restore-')), 'dump.sql');
  await writeFile(sql, gunzipSync(await readFile(path)));
  const { stderr } = await run('psql', ['-X', '-q', '-d', into, '-f', sql]);
  await rm(sql, { force: true });
  return stderr;
}

describe('backups as the original wrote them', () => {
  let source: OriginalDatabase;
  let dir: string;
  const night = new Date('2025-06-23T02:00:00Z');

  beforeAll(async () => {
    source = await createOriginalDatabase(postgresAdminUrl(), 'user_admin');
    const client = new pg.Client({ connectionString: source.url });
    await client.connect();
    try {
      await applyOriginalUserChain(client, { fakeDailyRow: { today: '2025-06-22' } });
    } finally {
      await client.end();
    }
    dir = await mkdtemp(join(tmpdir(), 'original-backups-'));
  });
  afterAll(async () => {
    await source.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('names the file after the database and the time, and holds pg_dump | gzip of it', async () => {
    const backup = await writeOriginalBackup(dir, source.url, 'users_db', night);
    expect(basename(backup.path)).toBe('users_db_2025-06-23_02-00-00.sql.gz');
    expect(backup.pgDumpExitCode).toBe(0);
    expect((await stat(backup.path)).mtime.toISOString()).toBe(night.toISOString());
    const text = gunzipSync(await readFile(backup.path)).toString('utf8');
    expect(text.startsWith('--\n-- PostgreSQL database dump\n--\n')).toBe(true);
    expect(text).toContain('ALTER TABLE public.users OWNER TO user_admin;');
    expect(text).toMatch(/^COPY public\.attendance_events \(/m);
    expect(text).toContain('daily-2025-06-22');
  });

  it("writes what pg_dump 17.6 wrote, which PostgreSQL 15's psql restores with one error", async () => {
    const backup = await writeOriginalBackup(dir, source.url, 'users_db', night, {
      pgDump: '17.6',
    });
    const text = gunzipSync(await readFile(backup.path)).toString('utf8');
    const key = /^\\restrict ([A-Za-z0-9]{63})$/m.exec(text)?.[1];
    expect(key).toBeDefined();
    expect(
      text.startsWith(`--\n-- PostgreSQL database dump\n--\n\n\\restrict ${key}\n\n-- Dumped from`),
    ).toBe(true);
    expect(text).toContain('-- Dumped by pg_dump version 17.6\n');
    expect(text).toContain(
      'SET idle_in_transaction_session_timeout = 0;\nSET transaction_timeout = 0;\nSET client_encoding',
    );
    expect(
      text.endsWith(`--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict ${key}\n\n`),
    ).toBe(true);
    expect(text.match(/^\\(un)?restrict /gm)).toHaveLength(2);

    const target = await createOriginalDatabase(postgresAdminUrl(), 'user_admin');
    try {
      const errors = await restore(backup.path, target.url);
      expect(errors.match(/ERROR:.*/g)).toEqual([
        'ERROR:  unrecognized configuration parameter "transaction_timeout"',
      ]);
      // The same objects; only the text PostgreSQL gives a restored CHECK on an IN list differs
      // (the dump spells the array out), so definitions of checks are not compared.
      expect(withoutCheckText(await catalogOf(target.url))).toEqual(
        withoutCheckText(await catalogOf(source.url)),
      );
    } finally {
      await target.drop();
    }
  });

  it('writes what pg_dump 17.5 wrote: transaction_timeout, no \\restrict', async () => {
    const backup = await writeOriginalBackup(dir, source.url, 'users_db', night, {
      pgDump: '17.5',
    });
    const text = gunzipSync(await readFile(backup.path)).toString('utf8');
    expect(text).not.toMatch(/^\\(un)?restrict /m);
    expect(text.startsWith('--\n-- PostgreSQL database dump\n--\n\n-- Dumped from')).toBe(true);
    expect(text).toContain('-- Dumped by pg_dump version 17.5\n');
    expect(text).toContain('SET transaction_timeout = 0;\n');
  });

  it('leaves a valid, nearly empty archive when pg_dump fails, and keeps five files per database', async () => {
    const nights = await mkdtemp(join(tmpdir(), 'original-nights-'));
    try {
      const broken = new URL(source.url);
      broken.pathname = '/no_such_database';
      const databases = {
        auth_logs_db: broken.toString(),
        users_db: source.url,
        social_logs_db: broken.toString(),
      };
      for (let day = 1; day <= 6; day += 1) {
        const when = new Date(Date.UTC(2025, 5, day, 2, 0, 0));
        const backups = await runOriginalBackupNight(nights, databases, when);
        expect(backups.map((backup) => backup.pgDumpExitCode === 0)).toEqual([false, true, false]);
      }
      const files = (await readdir(nights)).sort();
      expect(files).toHaveLength(15);
      expect(files.filter((name) => name.startsWith('users_db_'))).toEqual(
        [2, 3, 4, 5, 6].map((day) => `users_db_2025-06-0${day}_02-00-00.sql.gz`),
      );
      const empty = gunzipSync(
        await readFile(join(nights, 'auth_logs_db_2025-06-06_02-00-00.sql.gz')),
      );
      expect(empty.length).toBe(0);
    } finally {
      await rm(nights, { recursive: true, force: true });
    }
  });
});
