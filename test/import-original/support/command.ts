/**
 * Runs make import-original's script as a real process, or its run in this process, and looks
 * at make dev's PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { expect } from 'vitest';
import { entryArguments } from '@cloud-backend/shared/testing';

const ENTRY = fileURLToPath(new URL('../../../scripts/import-original.ts', import.meta.url));
const DROP_LEGACY = fileURLToPath(new URL('../../../scripts/drop-legacy.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `make import-original` with these variables (the Makefile runs exactly this script). */
export function importOriginal(env: Record<string, string>): Promise<CommandResult> {
  return run(ENTRY, env);
}

/**
 * The same run in this process (scripts/import-original/main.ts, which the script calls),
 * with its output captured: for what does not need a process of its own, as a failure found
 * before anything is imported. As for the process, the variables are this process's and these.
 */
export async function importInProcess(env: Record<string, string>): Promise<CommandResult> {
  // Loaded on first use: the files that only start processes need none of the command's modules.
  const { runCommand } = await import('../../../scripts/import-original/main.js');
  let stdout = '';
  let stderr = '';
  const code = await runCommand({ ...process.env, ...env }, undefined, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}

/** `make drop-legacy` with these variables (the Makefile runs exactly this script). */
export function dropLegacy(env: Record<string, string>): Promise<CommandResult> {
  return run(DROP_LEGACY, env);
}

function run(entry: string, env: Record<string, string>): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    // The script as the Makefile runs it, from the test run's bundle of it (prebuilt.ts).
    const child = spawn(process.execPath, entryArguments(entry, ROOT), {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A failed run: one line on stderr, no stack trace, exit 1. */
export function expectOneLine(result: CommandResult, pattern: RegExp): void {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^import-original: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.stdout + result.stderr).not.toMatch(/^\s+at /m);
}

/** The superuser URL of make dev's PostgreSQL in `dataDir`, from its dev-secrets.json. */
export async function devAdminUrl(dataDir: string, port: number, database = 'postgres') {
  const secrets = JSON.parse(await readFile(join(dataDir, 'dev-secrets.json'), 'utf8')) as {
    postgresPassword: string;
  };
  return `postgres://postgres:${encodeURIComponent(secrets.postgresPassword)}@127.0.0.1:${port}/${database}`;
}

export async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Everything a failed import must leave as it was: the server's databases, and each port
 * database's tables with their row counts.
 */
export async function targetSnapshot(adminUrl: string): Promise<string> {
  const databases = (
    await query<{ datname: string }>(
      adminUrl,
      'SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname',
    )
  ).map((row) => row.datname);
  const contents: Record<string, Record<string, number>> = {};
  for (const database of ['auth', 'users', 'social_logs'].filter((d) => databases.includes(d))) {
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    contents[database] = await rowCounts(url.toString());
  }
  return JSON.stringify({ databases, contents }, null, 1);
}

/** Each table of a database (system schemas aside) with its number of rows, on one connection. */
export async function rowCounts(url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    const counts: Record<string, number> = {};
    for (const { name } of tables.rows) {
      const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`);
      counts[name] = Number(result.rows[0]?.n ?? 0);
    }
    return counts;
  } finally {
    await client.end();
  }
}

/** The report a run wrote, from the path it printed. */
export async function writtenReport(stdout: string): Promise<Record<string, unknown>> {
  const path = /report written to (\S+\.json)/.exec(stdout)?.[1];
  if (!path) throw new Error(`no report path in the output:\n${stdout}`);
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

/** The numbers of a report, without what differs from run to run (times, staging names). */
export function numbers(report: Record<string, unknown>): unknown {
  const {
    accounts,
    conflicts,
    events,
    checkins,
    tablesWithoutEvent,
    socialLogs,
    unmapped,
    lost,
    problems,
  } = report;
  return {
    accounts,
    conflicts,
    events,
    checkins,
    tablesWithoutEvent,
    socialLogs,
    unmapped,
    lost,
    problems,
  };
}
