import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@cloud-backend/shared/dev';
import { dropDatabases, uniqueName, urlFor, withClient } from './postgres.js';
import { repoPath, requireTool } from './support.js';

// pg-backup.js serve, the container's process, as a real process against the test PostgreSQL:
// a run missed while it was down is caught up at start, and /health fails once the newest
// verified backup is older than the schedule allows (docs/operations.md#backups).
interface Served {
  port: number;
  dir: string;
  output: () => string;
  child: ChildProcess;
}

const running: Served[] = [];
const DAY = 24 * 3600;

function stateOf(dir: string, database: string): Record<string, string> {
  try {
    return Object.fromEntries(
      readFileSync(join(dir, '.state', `${database}.prom-state`), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split('=')),
    ) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Starts `serve` with a backup folder whose state says the last verified backup was at `lastSuccess`. */
async function serve(options: {
  urls: string;
  database: string;
  lastSuccess?: number;
  grace: number;
}): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-backup-serve-'));
  if (options.lastSuccess !== undefined) {
    mkdirSync(join(dir, '.state'));
    writeFileSync(
      join(dir, '.state', `${options.database}.prom-state`),
      `last_attempt=${options.lastSuccess}\nlast_attempt_ok=1\nlast_success=${options.lastSuccess}\n`,
    );
  }
  const port = await freePort();
  const child = spawn('node', [repoPath('pg-backup/pg-backup.js'), 'serve'], {
    env: {
      ...process.env,
      BACKUP_DIR: dir,
      BACKUP_DATABASE_URLS: options.urls,
      BACKUP_SCHEDULE: '0 2 * * *',
      BACKUP_GRACE_SECONDS: String(options.grace),
      PGSERVICEFILE: join(dir, 'pg_service.conf'),
      PGCONNECT_TIMEOUT: '5',
      METRICS_PORT: String(port),
      TZ: 'UTC',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const served = { port, dir, output: () => output, child };
  running.push(served);
  await until(`pg-backup serve listening on ${port}`, async () => {
    try {
      await fetch(`http://127.0.0.1:${port}/metrics`);
      return true;
    } catch {
      return undefined;
    }
  });
  return served;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function health(served: Served) {
  const reply = await fetch(`http://127.0.0.1:${served.port}/health`);
  return {
    status: reply.status,
    body: (await reply.json()) as {
      status: string;
      code?: string;
      error?: string;
      late?: { database: string; lastSuccess: string | null; due: string }[];
    },
  };
}

async function stop(served: Served): Promise<void> {
  if (served.child.exitCode !== null || served.child.signalCode !== null) return;
  // 'close': the process has exited and its output has all been read.
  const exited = new Promise((resolve) => served.child.once('close', resolve));
  served.child.kill('SIGTERM');
  await exited;
}

describe('pg-backup serve: catch-up at start and /health', () => {
  const database = uniqueName('cb_backup_serve');
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    requireTool('pg_dump', 'postgresql-client');
    requireTool('psql', 'postgresql-client');
    requireTool('flock', 'util-linux');
    await withClient(urlFor('postgres'), (client) => client.query(`CREATE DATABASE ${database}`));
    await withClient(urlFor(database), (client) =>
      client.query(`CREATE TABLE t AS SELECT i FROM generate_series(1, 50) i`),
    );
  });

  afterAll(async () => {
    for (const served of running) {
      await stop(served);
      rmSync(served.dir, { recursive: true, force: true });
    }
    await dropDatabases(database);
  });

  it('runs a backup missed while it was down as soon as it starts, then is healthy', async () => {
    const started = now();
    const served = await serve({
      urls: urlFor(database),
      database,
      lastSuccess: started - 3 * DAY,
      grace: 0,
    });
    // serve says when the next run is once backup.sh has ended.
    await until('the end of the catch-up backup', () =>
      Promise.resolve(served.output().includes('next backup at') ? true : undefined),
    );
    expect(Number(stateOf(served.dir, database).last_success)).toBeGreaterThanOrEqual(started);
    expect(served.output()).toContain(`no verified backup of ${database} since the scheduled run`);
    expect(served.output()).toContain('catch-up backup starting');
    expect(served.output()).toMatch(/verified: restored with the same 50 rows in 1 tables/);
    const { status, body } = await health(served);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe('healthy');
    const metrics = await (await fetch(`http://127.0.0.1:${served.port}/metrics`)).text();
    expect(metrics).toContain(`pg_backup_files{database="${database}"} 1`);
    expect(metrics).toContain(`pg_backup_last_rows{database="${database}"} 50`);
    await stop(served);
  });

  it('does not run at start when the newest verified backup is after the last scheduled time', async () => {
    const served = await serve({ urls: urlFor(database), database, lastSuccess: now(), grace: 0 });
    const { status } = await health(served);
    expect(status).toBe(200);
    await stop(served);
    expect(served.output()).toContain(`backing up ${database} on "0 2 * * *"`);
    expect(served.output()).not.toContain('catch-up');
  });

  it('answers 503 BACKUP_STALE when the newest verified backup is older than the schedule allows', async () => {
    // The server is unreachable, so the catch-up run fails and the backup stays two days old.
    const unreachable = `postgres://backup:secret@127.0.0.1:1/${database}`;
    const lastSuccess = now() - 2 * DAY;
    const served = await serve({ urls: unreachable, database, lastSuccess, grace: 0 });
    const { status, body } = await health(served);
    expect(status).toBe(503);
    expect(body.status).toBe('unhealthy');
    expect(body.code).toBe('BACKUP_STALE');
    expect(body.error).toMatch(/^No verified backup since the scheduled run of /);
    expect(body.late?.map((late) => [late.database, late.lastSuccess])).toEqual([
      [database, new Date(lastSuccess * 1000).toISOString()],
    ]);
    expect(body.late?.[0]?.due).toMatch(/T02:00:00\.000Z$/);
    await until('the end of the failed catch-up run', () =>
      Promise.resolve(served.output().includes('next backup at') ? true : undefined),
    );
    expect(stateOf(served.dir, database).last_attempt_ok).toBe('0');
    expect((await health(served)).status).toBe(503);
    await stop(served);
    expect(served.output()).toContain('backup failed; the existing backups are untouched');

    // Within the grace after a start, the catch-up is still allowed to finish.
    const patient = await serve({ urls: unreachable, database, lastSuccess, grace: 3600 });
    expect((await health(patient)).status).toBe(200);
    await until('the end of the second failed catch-up run', () =>
      Promise.resolve(patient.output().includes('next backup at') ? true : undefined),
    );
    expect((await health(patient)).status).toBe(200);
    await stop(patient);
  });

  it('refuses a grace that is not a whole number of seconds, in one line', async () => {
    const child = spawn('node', [repoPath('pg-backup/pg-backup.js'), 'serve'], {
      env: {
        ...process.env,
        BACKUP_DATABASE_URLS: urlFor(database),
        BACKUP_GRACE_SECONDS: 'two hours',
        PGSERVICEFILE: join(tmpdir(), `${database}.conf`),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('BACKUP_GRACE_SECONDS: "two hours" is not a whole number of seconds');
  });
});
