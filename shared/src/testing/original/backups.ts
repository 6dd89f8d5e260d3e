/**
 * Nightly backups as the original's pg-backup container wrote them: for each database,
 * `pg_dump <db> | gzip > /backups/<db>_<YYYY-MM-DD_HH-MM-SS>.sql.gz` (plain format, no
 * options, gzip's default level, no pipefail: a failed dump still leaves a valid, nearly empty
 * archive), then the five newest files (by modification time) kept per database.
 *
 * The dump is made with the pg_dump found on PATH (Debian's PostgreSQL 15 client here). The
 * original's image installed Alpine's default postgresql-client, which was pg_dump 17 by mid
 * 2025 and 17.6 or later after August 2025; `pgDump` turns the local dump into what those
 * wrote. From public dumps made by pg_dump 17.6 and pg_dump's source: 17 adds
 * `SET transaction_timeout = 0;` right after `SET idle_in_transaction_session_timeout = 0;`
 * (an error when restored into PostgreSQL 15 or 16, which do not know the setting); 17.6 (and
 * 16.10, 15.14, … of August 2025) opens the script with `\restrict <key>` after the
 * "PostgreSQL database dump" banner and closes it with `\unrestrict <key>` after the "dump
 * complete" banner, each followed by a blank line, the key being 63 random letters and digits;
 * 17.5 and older write neither.
 */

import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Which pg_dump the file should look like it came from. */
export type OriginalPgDump =
  /** Whatever the local pg_dump writes, untouched. */
  | 'installed'
  /** Alpine's pg_dump 17 before August 2025: transaction_timeout, no \restrict. */
  | '17.5'
  /** Alpine's pg_dump 17.6 (August 2025): transaction_timeout and \restrict / \unrestrict. */
  | '17.6';

export interface OriginalBackupOptions {
  pgDump?: OriginalPgDump;
  /** The pg_dump program (default: `pg_dump` on PATH). */
  pgDumpProgram?: string;
}

export interface OriginalBackup {
  path: string;
  /** pg_dump's exit code (the original ignored it; the file is written regardless). */
  pgDumpExitCode: number;
  /** What pg_dump printed on stderr. */
  pgDumpErrors: string;
}

/** The name backup.sh gave a dump: `<db>_YYYY-MM-DD_HH-MM-SS.sql.gz` (container time, UTC). */
export function originalBackupName(dbName: string, when: Date): string {
  const stamp = when.toISOString().slice(0, 19).replace('T', '_').replaceAll(':', '-');
  return `${dbName}_${stamp}.sql.gz`;
}

const KEY_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A key like the ones pg_dump 17.6 writes after `\restrict`. */
export function restrictKey(): string {
  return Array.from({ length: 63 }, () => KEY_CHARACTERS[randomInt(KEY_CHARACTERS.length)]).join(
    '',
  );
}

/**
 * Rewrites a plain dump into what the chosen pg_dump 17 wrote: its version in the header,
 * `SET transaction_timeout = 0;`, and the \restrict / \unrestrict pair (one key) present for
 * 17.6, absent for 17.5, whether or not the local pg_dump wrote one.
 */
export function asPgDump17(dump: string, version: '17.5' | '17.6', key = restrictKey()): string {
  let text = dump
    .replace(/^-- Dumped by pg_dump version .*$/m, `-- Dumped by pg_dump version ${version}`)
    .replace(
      /^SET idle_in_transaction_session_timeout = 0;\n/m,
      (line) => `${line}SET transaction_timeout = 0;\n`,
    )
    .replace(/^\\(?:un)?restrict [A-Za-z0-9]+\n\n/gm, '');
  if (version === '17.6') {
    text = text
      .replace(
        /^--\n-- PostgreSQL database dump\n--\n\n/m,
        (banner) => `${banner}\\restrict ${key}\n\n`,
      )
      .replace(
        /^--\n-- PostgreSQL database dump complete\n--\n\n/m,
        (banner) => `${banner}\\unrestrict ${key}\n\n`,
      );
  }
  return text;
}

/**
 * Writes `<dir>/<dbName>_<when>.sql.gz` the way backup.sh did: plain `pg_dump` of the database
 * at `databaseUrl` piped to gzip, whatever pg_dump's fate. The file's modification time is set
 * to `when`, which is what the original's retention sorted by.
 */
export async function writeOriginalBackup(
  dir: string,
  databaseUrl: string,
  dbName: string,
  when: Date = new Date(),
  options: OriginalBackupOptions = {},
): Promise<OriginalBackup> {
  const path = join(dir, originalBackupName(dbName, when));
  const dump = spawn(options.pgDumpProgram ?? 'pg_dump', [databaseUrl], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let pgDumpErrors = '';
  dump.stderr.setEncoding('utf8').on('data', (text: string) => (pgDumpErrors += text));
  const exited = new Promise<number>((resolve) => {
    dump.on('close', (code) => resolve(code ?? 1));
    dump.on('error', (error) => {
      pgDumpErrors += String(error);
      resolve(127);
    });
  });
  const gzip = spawn('gzip', [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const gzipDone = new Promise<void>((resolve, reject) => {
    gzip.on('error', reject);
    gzip.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`gzip exited ${code}`))));
  });
  const version = options.pgDump ?? 'installed';
  const written = pipeline(gzip.stdout, createWriteStream(path));
  if (version === 'installed') {
    await pipeline(dump.stdout, gzip.stdin);
  } else {
    // Test databases are small: the dump is rewritten whole, then compressed.
    const chunks: Buffer[] = [];
    for await (const chunk of dump.stdout) chunks.push(chunk as Buffer);
    gzip.stdin.end(asPgDump17(Buffer.concat(chunks).toString('utf8'), version));
  }
  await Promise.all([written, gzipDone]);
  const pgDumpExitCode = await exited;
  await utimes(path, when, when);
  return { path, pgDumpExitCode, pgDumpErrors };
}

/** backup.sh's retention: per database, all but the five newest files (by mtime) deleted. */
export async function keepNewestFiveOriginalBackups(
  dir: string,
  dbName: string,
): Promise<string[]> {
  const prefix = `${dbName}_`;
  const names = (await readdir(dir)).filter(
    (name) => name.startsWith(prefix) && name.endsWith('.sql.gz'),
  );
  const dated = await Promise.all(
    names.map(async (name) => ({ name, mtime: (await stat(join(dir, name))).mtimeMs })),
  );
  dated.sort((a, b) => b.mtime - a.mtime);
  const removed = dated.slice(5).map(({ name }) => name);
  await Promise.all(removed.map((name) => unlink(join(dir, name))));
  return removed;
}

/**
 * One night of backup.sh: the three databases dumped in its order under one timestamp, then
 * its retention. Databases given as URLs (any may be unreachable: its file is written anyway).
 */
export async function runOriginalBackupNight(
  dir: string,
  databases: { auth_logs_db: string; users_db: string; social_logs_db: string },
  when: Date = new Date(),
  options: OriginalBackupOptions = {},
): Promise<OriginalBackup[]> {
  const backups: OriginalBackup[] = [];
  for (const dbName of ['auth_logs_db', 'users_db', 'social_logs_db'] as const) {
    backups.push(await writeOriginalBackup(dir, databases[dbName], dbName, when, options));
  }
  for (const dbName of ['auth_logs_db', 'users_db', 'social_logs_db']) {
    await keepNewestFiveOriginalBackups(dir, dbName);
  }
  return backups;
}
