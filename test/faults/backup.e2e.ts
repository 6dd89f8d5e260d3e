import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAdminUrl } from '@cloud-backend/shared/testing';
import { verifyChain } from '../../social-log-service/src/audit/verify-chain.js';
import {
  adminToken,
  createEvents,
  registerAccounts,
  type Account,
  type QrEvent,
} from './support/client.js';
import { ROOT, startStack, withClient, type Stack } from './support/stack.js';
import { checkIns, logins, report, tally, Traffic } from './support/traffic.js';

// pg-backup/backup.sh run while check-ins and logins are being written, each dump restored with
// pg-backup/restore.sh into a scratch database and checked: constraints hold, every change has
// its audit event (pending in the outbox or already delivered), the audit chain verifies, and the
// dump is one snapshot: everything acknowledged before the backup began is in it, nothing sent
// after it ended is.
let stack: Stack;
// Set once the stack is up: a failed start leaves nothing to stop.
let cleanup: (() => Promise<void>) | undefined;
let accounts: Account[];
let events: QrEvent[];
let dir: string;
const scratch: string[] = [];

function libpqSection(name: string, url: string): string {
  const parsed = new URL(url);
  return [
    `[${name}]`,
    `host=${parsed.hostname}`,
    `port=${parsed.port || '5432'}`,
    `user=${decodeURIComponent(parsed.username)}`,
    `password=${decodeURIComponent(parsed.password)}`,
    `dbname=${parsed.pathname.slice(1)}`,
    '',
  ].join('\n');
}

function run(script: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'pg-backup', script), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

const urlOf = (database: string) => {
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${database}`;
  return url.toString();
};

async function rows<T extends pg.QueryResultRow>(database: string, sql: string): Promise<T[]> {
  return withClient(urlOf(database), async (client) => (await client.query<T>(sql)).rows);
}

beforeAll(async () => {
  stack = await startStack({ adminUrl: postgresAdminUrl(), prefix: 'backup' });
  cleanup = () => stack.close();
  accounts = await registerAccounts(stack.gateway.url, 'backup', 20);
  events = await createEvents(stack.gateway.url, await adminToken(stack.gateway.url), 20);
  dir = await mkdtemp(join(tmpdir(), 'cloud-backend-faults-backup-'));
});

afterAll(async () => {
  await cleanup?.();
  await withClient(postgresAdminUrl(), async (client) => {
    for (const name of scratch) {
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    }
  });
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a backup taken during writes', () => {
  it('restores to a consistent database', async () => {
    const { databases } = stack;
    const [authDb = '', userDb = '', socialDb = ''] = databases.names;
    const serviceFile = join(dir, 'pg_service.conf');
    await writeFile(
      serviceFile,
      [authDb, userDb, socialDb].map((name) => libpqSection(name, urlOf(name))).join('\n'),
      { mode: 0o600 },
    );
    const env = { BACKUP_DIR: join(dir, 'backups'), PGSERVICEFILE: serviceFile };

    const base = stack.gateway.url;
    const traffic = new Traffic([checkIns(base, events, accounts), logins(base, accounts)], {
      workers: 3,
      pauseMs: 5,
    }).start();
    await sleep(1500);
    const backupStarted = performance.now();
    const backup = await run('backup.sh', [], env);
    const backupEnded = performance.now();
    await sleep(500);
    const outcomes = await traffic.stop();
    expect(backup.code, backup.output).toBe(0);

    // Each dump into a scratch database of its own, with restore.sh.
    const dumps = (await readdir(env.BACKUP_DIR)).filter((name) => name.endsWith('.sql.gz'));
    expect(dumps).toHaveLength(3);
    const restored: Record<string, string> = {};
    for (const name of [authDb, userDb, socialDb]) {
      const file = dumps.find((dump) => dump.startsWith(`${name}_`)) ?? '';
      const target = `${name}_restored`;
      scratch.push(target);
      const result = await run('restore.sh', [name, file, target], env);
      expect(result.code, result.output).toBe(0);
      restored[name] = target;
    }
    const [authCopy = '', userCopy = '', socialCopy = ''] = [authDb, userDb, socialDb].map(
      (name) => restored[name] ?? '',
    );

    // Foreign keys: no check-in of an unknown user or event, no session of an unknown user.
    const orphans = await rows<{ n: number }>(
      userCopy,
      `SELECT count(*)::int AS n FROM attendance a
        WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = a.user_id)
           OR NOT EXISTS (SELECT 1 FROM attendance_events e WHERE e.event_id = a.event_id)`,
    );
    expect(orphans[0]?.n).toBe(0);
    const orphanSessions = await rows<{ n: number }>(
      authCopy,
      `SELECT count(*)::int AS n FROM sessions s
        WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id)`,
    );
    expect(orphanSessions[0]?.n).toBe(0);

    // One snapshot: acknowledged before the backup began → present; sent after it → absent.
    const dumped = new Set(
      (
        await rows<{ key: string }>(
          userCopy,
          `SELECT event_id || '/' || user_id AS key FROM attendance WHERE scanned_at IS NOT NULL`,
        )
      ).map((row) => row.key),
    );
    const acknowledged = outcomes.filter((o) => o.kind === 'check-in' && o.status === 201);
    const early = acknowledged.filter((o) => o.endedAt < backupStarted);
    const late = outcomes.filter((o) => o.kind === 'check-in' && o.sentAt > backupEnded);
    expect(early.filter((o) => !dumped.has(o.key)).map((o) => o.key)).toEqual([]);
    expect(late.filter((o) => dumped.has(o.key)).map((o) => o.key)).toEqual([]);
    const sessionIds = new Set(
      (await rows<{ id: string }>(authCopy, 'SELECT id::text AS id FROM sessions')).map(
        (r) => r.id,
      ),
    );
    const loggedIn = outcomes.filter((o) => o.kind === 'login' && o.status === 200);
    expect(
      loggedIn.filter((o) => o.endedAt < backupStarted && !sessionIds.has(o.key)).map((o) => o.key),
    ).toEqual([]);
    expect(
      loggedIn.filter((o) => o.sentAt > backupEnded && sessionIds.has(o.key)).map((o) => o.key),
    ).toEqual([]);

    // Changes and their audit events were dumped together: each check-in's event is pending in
    // the dumped outbox or was delivered already (in the live trail), and each pending event's
    // check-in is in the dump.
    await expect
      .poll(
        async () =>
          (await rows<{ n: number }>(userDb, 'SELECT count(*)::int AS n FROM audit_outbox'))[0]?.n,
        { timeout: 60_000 },
      )
      .toBe(0);
    const delivered = new Set(
      (
        await rows<{ key: string }>(
          socialDb,
          `SELECT (details->>'event_id') || '/' || user_id AS key FROM audit_events
            WHERE action = 'attendance.check_in'`,
        )
      ).map((row) => row.key),
    );
    const pending = (
      await rows<{ key: string }>(
        userCopy,
        `SELECT (payload->'details'->>'event_id') || '/' || (payload->>'user_id') AS key
           FROM audit_outbox WHERE payload->>'action' = 'attendance.check_in'`,
      )
    ).map((row) => row.key);
    expect([...dumped].filter((key) => !pending.includes(key) && !delivered.has(key))).toEqual([]);
    expect(pending.filter((key) => !dumped.has(key))).toEqual([]);
    const authEvents = await rows<{ logs: number; pending: number }>(
      authCopy,
      `SELECT (SELECT count(*)::int FROM auth_logs) AS logs,
              (SELECT count(*)::int FROM audit_outbox) AS pending`,
    );
    expect(authEvents[0]?.pending).toBeLessThanOrEqual(authEvents[0]?.logs ?? 0);

    // The restored audit trail is one intact chain.
    const pool = new pg.Pool({ connectionString: urlOf(socialCopy) });
    try {
      const chain = await verifyChain(pool);
      expect(chain.intact).toBe(true);
      expect(chain.checked).toBeGreaterThan(0);
      report('backup during writes', {
        requests: outcomes.length,
        byStatus: tally(outcomes),
        backupMs: Math.round(backupEnded - backupStarted),
        writesDuringBackup: outcomes.filter(
          (o) => o.sentAt < backupEnded && o.endedAt > backupStarted && o.status < 300,
        ).length,
        dumpedCheckIns: dumped.size,
        pendingInDumpedOutbox: pending.length,
        restoredChainRows: chain.checked,
      });
    } finally {
      await pool.end();
    }
  });
});
