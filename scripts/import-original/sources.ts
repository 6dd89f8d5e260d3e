/**
 * Where the original's data comes from: its backups (the newest of each database in a folder),
 * or its live databases, read with pg_dump when it is on PATH and able to dump that server,
 * else by catalog-dump.ts. Either way the import reads the same plain SQL.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { catalogDump } from './catalog-dump.js';
import { checkDump, dumpLines, newestDumps, splitLines } from './dump-files.js';
import { ImportError } from './errors.js';
import { log } from './log.js';
import { describeUrl, ORIGINAL_DATABASES, type OriginalDatabase } from './names.js';

export interface Source {
  original: OriginalDatabase;
  /** For messages and the report; never holds a password. */
  description: string;
  /** The dump's lines; may be called once. */
  lines(): AsyncIterable<string>;
}

export async function dumpSources(folder: string, warnings: string[]): Promise<Source[]> {
  const files = await newestDumps(folder);
  const sources: Source[] = [];
  for (const original of ORIGINAL_DATABASES) {
    const file = await checkDump(files[original]);
    const version = file.pgDumpVersion ? `, pg_dump ${file.pgDumpVersion}` : '';
    sources.push({
      original,
      description: `${file.path} (${file.bytes} bytes${version})`,
      lines: () => dumpLines(file.path),
    });
  }
  const stamps = new Set(ORIGINAL_DATABASES.map((o) => files[o].takenAt));
  if (stamps.size > 1) {
    warnings.push(
      `the newest backups are of different nights (${[...stamps].join(', ')}): accounts and check-ins may not match`,
    );
  }
  return sources;
}

function findOnPath(program: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function majorOf(command: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const child = spawn(command, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', () => resolve(undefined));
    child.on('close', () => {
      const match = /(\d+)(?:\.\d+)?/.exec(out.replace(/^[^\d]*/, ''));
      resolve(match ? Number(match[1]) : undefined);
    });
  });
}

/** Connects read-only, as every reading of the original does, and returns its major version. */
async function serverMajor(url: string, name: string): Promise<number> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    options: '-c default_transaction_read_only=on',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const result = await client.query<{ v: string }>(
      `SELECT current_setting('server_version_num') AS v`,
    );
    return Math.floor(Number(result.rows[0]?.v ?? 0) / 10_000);
  } catch (err) {
    throw new ImportError(`${name}=${describeUrl(url)}: cannot read it: ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** pg_dump's output as lines; a failure of pg_dump fails the reading (no partial restore). */
async function* pgDumpLines(command: string, url: string, name: string): AsyncGenerator<string> {
  const child = spawn(command, ['--no-password', `--dbname=${url}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  yield* splitLines(child.stdout);
  const code = await exited;
  if (code !== 0) {
    const reason = stderr.trim().split('\n').pop() ?? `exit code ${String(code)}`;
    throw new ImportError(`pg_dump of ${name}=${describeUrl(url)} failed: ${reason}`);
  }
}

const URL_VARIABLES: Record<OriginalDatabase, string> = {
  auth_logs_db: 'ORIGINAL_AUTH_URL',
  users_db: 'ORIGINAL_USER_URL',
  social_logs_db: 'ORIGINAL_SOCIAL_URL',
};

/** The live databases named by ORIGINAL_*_URL (auth and user required, social optional). */
export async function liveSources(env: NodeJS.ProcessEnv, warnings: string[]): Promise<Source[]> {
  const sources: Source[] = [];
  const pgDump = env.IMPORT_WITHOUT_PG_DUMP === '1' ? undefined : findOnPath('pg_dump', env);
  const pgDumpMajor = pgDump ? await majorOf(pgDump) : undefined;
  for (const original of ORIGINAL_DATABASES) {
    const name = URL_VARIABLES[original];
    const url = env[name];
    if (!url) {
      if (original === 'social_logs_db') {
        warnings.push(
          "ORIGINAL_SOCIAL_URL not set: the port's social log database is left as it is",
        );
        continue;
      }
      throw new ImportError(
        `${name} is not set (ORIGINAL_AUTH_URL and ORIGINAL_USER_URL are both needed)`,
      );
    }
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new ImportError(`${name} must be a postgres://user:password@host:port/database URL`);
    }
    const major = await serverMajor(url, name);
    const where = describeUrl(url);
    if (pgDump && pgDumpMajor !== undefined && pgDumpMajor >= major) {
      sources.push({
        original,
        description: `${where} (live, read with pg_dump ${pgDumpMajor})`,
        lines: () => pgDumpLines(pgDump, url, name),
      });
    } else {
      if (pgDump)
        log(
          `pg_dump ${String(pgDumpMajor)} cannot dump PostgreSQL ${major}; reading ${where} directly`,
        );
      sources.push({
        original,
        description: `${where} (live, read without pg_dump)`,
        lines: () => catalogDump(url),
      });
    }
  }
  return sources;
}
