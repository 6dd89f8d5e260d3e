/**
 * The original's nightly backups: `<database>_YYYY-MM-DD_HH-MM-SS.sql.gz`, plain
 * `pg_dump <database> | gzip`, the newest five of each kept. Finds the newest of each database
 * in a folder and checks it whole before anything is touched.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { ImportError } from './errors.js';
import { ORIGINAL_DATABASES, type OriginalDatabase } from './names.js';

export interface DumpFile {
  database: OriginalDatabase;
  path: string;
  /** The time in its name, as written there (the backup container's clock, UTC). */
  takenAt: string;
  bytes: number;
  /** From the dump's header, e.g. "17.6"; undefined when the header does not say. */
  pgDumpVersion?: string;
  serverVersion?: string;
}

const FILE_NAME =
  /^(auth_logs_db|users_db|social_logs_db)_(\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2})\.sql\.gz$/;

/** The newest backup of each of the three databases in `folder`. */
export async function newestDumps(folder: string): Promise<Record<OriginalDatabase, DumpFile>> {
  let names: string[];
  try {
    if (!(await stat(folder)).isDirectory()) throw new ImportError(`${folder} is not a folder`);
    names = await readdir(folder);
  } catch (err) {
    if (err instanceof ImportError) throw err;
    throw new ImportError(`DUMPS=${folder}: no such folder`);
  }
  const newest = new Map<OriginalDatabase, { name: string; takenAt: string }>();
  for (const name of names) {
    const match = FILE_NAME.exec(name);
    if (!match) continue;
    const database = match[1] as OriginalDatabase;
    const takenAt = match[2] ?? '';
    // The stamp sorts as text: YYYY-MM-DD_HH-MM-SS.
    const current = newest.get(database);
    if (!current || takenAt > current.takenAt) newest.set(database, { name, takenAt });
  }
  const found = {} as Record<OriginalDatabase, DumpFile>;
  for (const database of ORIGINAL_DATABASES) {
    const file = newest.get(database);
    if (!file) {
      throw new ImportError(
        `no backup of ${database} in ${folder} (expected ${database}_YYYY-MM-DD_HH-MM-SS.sql.gz, as the original's pg-backup names them)`,
      );
    }
    const path = join(folder, file.name);
    found[database] = { database, path, takenAt: file.takenAt, bytes: (await stat(path)).size };
  }
  return found;
}

/**
 * The lines of a text stream, split on `\n` only (a `\r` inside a function body or a string
 * is data and stays), as UTF-8.
 */
export async function* splitLines(stream: Readable): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  for await (const chunk of stream) {
    pending += decoder.decode(chunk as Buffer, { stream: true });
    let newline = pending.indexOf('\n');
    let from = 0;
    while (newline !== -1) {
      yield pending.slice(from, newline);
      from = newline + 1;
      newline = pending.indexOf('\n', from);
    }
    pending = pending.slice(from);
  }
  pending += decoder.decode();
  if (pending !== '') yield pending;
}

/** The decompressed lines of a backup, streamed. */
export function dumpLines(path: string): AsyncGenerator<string> {
  return splitLines(createReadStream(path).pipe(createGunzip()));
}

function gzipProblem(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'Z_DATA_ERROR') return 'is not a gzip file, or is damaged';
  if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(String(err))) {
    return 'is cut short (a truncated gzip file)';
  }
  return `cannot be read: ${(err as Error).message}`;
}

const HEADER = '-- PostgreSQL database dump';
const FOOTER = '-- PostgreSQL database dump complete';

/**
 * Reads a backup to its end: a gzip file that decompresses whole, starting with pg_dump's
 * header and ending with its completion line. Throws one clear ImportError otherwise.
 */
export async function checkDump(file: DumpFile): Promise<DumpFile> {
  const name = file.path;
  const head: string[] = [];
  const tail: string[] = [];
  let bytes = 0;
  try {
    const gunzip = createReadStream(name).pipe(createGunzip());
    gunzip.on('data', (chunk: Buffer) => (bytes += chunk.length));
    for await (const line of splitLines(gunzip)) {
      if (head.length < 40) head.push(line);
      tail.push(line);
      if (tail.length > 8) tail.shift();
    }
  } catch (err) {
    throw new ImportError(`${name} ${gzipProblem(err)}; nothing was changed`);
  }
  if (bytes === 0) {
    throw new ImportError(
      `${name} is empty: the original's backup job wrote an empty file when pg_dump failed that night; move it aside to use the one before`,
    );
  }
  if (head[0]?.startsWith('PGDMP')) {
    throw new ImportError(
      `${name} is pg_dump's custom format; the import takes plain dumps (pg_dump <database> | gzip)`,
    );
  }
  if (!head.some((line) => line.trim() === HEADER)) {
    throw new ImportError(`${name} is not a plain pg_dump file (no "${HEADER}" header)`);
  }
  if (!tail.some((line) => line.trim() === FOOTER)) {
    throw new ImportError(
      `${name} stops before pg_dump's completion line: the dump was cut short; nothing was changed`,
    );
  }
  const version = (label: string) =>
    head
      .map((line) => new RegExp(`^-- ${label} version (\\S+)`).exec(line)?.[1])
      .find((v) => v !== undefined);
  const pgDumpVersion = version('Dumped by pg_dump');
  const serverVersion = version('Dumped from database');
  return {
    ...file,
    ...(pgDumpVersion ? { pgDumpVersion } : {}),
    ...(serverVersion ? { serverVersion } : {}),
  };
}
