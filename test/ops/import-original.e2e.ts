// make import-original COMPOSE=1 against a real compose stack: the three database servers,
// pg-backup (the import's way in) and the two services that hold the original's data. The
// original's databases are made on the stack's auth-db server (owned by the original's
// roles), backed up with its pg_dump piped into gzip as the original's job did, then imported
// over the stack's fresh databases with REPLACE=1, and put back with GO_BACK. The stack is a
// compose project of its own, removed with its volumes at the end.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOriginal } from '../import-original/support/command.js';
import {
  ACCOUNTS,
  CHECKINS,
  ORIGINAL_NAMES,
  ORIGINAL_SQL,
  OWNERS,
} from '../import-original/support/original.js';
import { repoPath } from './support.js';

const PROJECT = `cbimport${randomBytes(3).toString('hex')}`;
const SERVICES = [
  'auth-db',
  'user-db',
  'social-log-db',
  'pg-backup',
  'auth-service',
  'user-service',
];
const env = { ...process.env, COMPOSE_PROJECT_NAME: PROJECT };

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function compose(args: string[], input?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['compose', ...args], { cwd: repoPath(), env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`docker compose ${args.join(' ')}: ${stderr}`));
      else resolve({ code, stdout, stderr });
    });
    // A command may exit without reading its input (EPIPE); its exit code is what counts.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

const psql = (service: string, database: string, sql: string) =>
  compose(
    [
      'exec',
      '-T',
      service,
      'psql',
      '-U',
      'postgres',
      '-d',
      database,
      '-v',
      'ON_ERROR_STOP=1',
      '-Atq',
    ],
    sql,
  );

/** `pg_dump <db> | gzip > <file>`, with the server's own pg_dump, as backup.sh did. */
async function backup(database: string, file: string): Promise<void> {
  const child = spawn(
    'docker',
    ['compose', 'exec', '-T', 'auth-db', 'pg_dump', '-U', 'postgres', database],
    {
      cwd: repoPath(),
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await pipeline(child.stdout, createGzip(), createWriteStream(file));
  expect(await exited).toBe(0);
}

let backups: string;
let failed = false;

describe(`make import-original COMPOSE=1 (compose project ${PROJECT})`, () => {
  beforeAll(async () => {
    backups = mkdtempSync(join(tmpdir(), 'cb-import-'));
    await compose(['up', '-d', '--build', '--wait', ...SERVICES]);
    for (const original of ORIGINAL_NAMES) {
      const owner = OWNERS[original];
      await psql(
        'auth-db',
        'postgres',
        `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${owner}') THEN CREATE ROLE ${owner}; END IF; END $$;
         CREATE DATABASE orig_${original} OWNER ${owner};`,
      );
      await psql('auth-db', `orig_${original}`, `SET ROLE ${owner};\n${ORIGINAL_SQL[original]}`);
      await backup(`orig_${original}`, join(backups, `${original}_2025-06-20_02-00-00.sql.gz`));
    }
  });

  afterAll(async () => {
    if (failed) {
      const logs = await compose(['logs', '--no-color', '--tail=60']).catch(() => undefined);
      process.stdout.write(logs?.stdout.slice(-10000) ?? '');
    }
    await compose(['down', '--volumes', '--remove-orphans', '--rmi', 'local']).catch(
      () => undefined,
    );
    rmSync(backups, { recursive: true, force: true });
  });

  it("imports the backups over the stack's databases, restarts the services, and goes back", async () => {
    try {
      const result = await importOriginal({
        COMPOSE: '1',
        COMPOSE_PROJECT_NAME: PROJECT,
        DUMPS: backups,
        REPLACE: '1',
        REPORT_DIR: backups,
      });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/stopping auth-service, user-service for the swap/);
      expect(result.stdout).toMatch(/check-ins: 9 before, 7 after/);

      const checkins = await psql('user-db', 'users_db', 'SELECT count(*) FROM attendance');
      expect(Number(checkins.stdout.trim())).toBe(CHECKINS.length);
      const accounts = await psql('auth-db', 'auth_logs_db', 'SELECT count(*) FROM users');
      expect(Number(accounts.stdout.trim())).toBe(ACCOUNTS);
      // The services run again on the imported databases, as their own roles.
      const running = await compose(['ps', '--status', 'running', '--services']);
      expect(running.stdout).toContain('user-service');
      expect(running.stdout).toContain('auth-service');
      const owners = await psql(
        'user-db',
        'users_db',
        `SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname IN ('public', 'legacy') AND c.relkind IN ('r', 'S', 'v')`,
      );
      expect(owners.stdout.trim()).toBe('user_admin');

      const stamp = /GO_BACK=(\d{8}_\d{6})/.exec(result.stdout)?.[1] ?? '';
      const back = await importOriginal({
        COMPOSE: '1',
        COMPOSE_PROJECT_NAME: PROJECT,
        GO_BACK: stamp,
      });
      expect(back.code, back.stdout + back.stderr).toBe(0);
      const after = await psql('user-db', 'users_db', 'SELECT count(*) FROM attendance');
      expect(Number(after.stdout.trim())).toBe(0);
    } catch (err) {
      failed = true;
      throw err;
    }
  });
});
