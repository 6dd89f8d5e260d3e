import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, isDatabaseUnavailable, withTransaction } from '@cloud-backend/shared';
import {
  freePort,
  startEmbeddedPostgres,
  type EmbeddedPostgresSettings,
  type RunningPostgres,
} from '@cloud-backend/shared/dev';
import {
  adminToken,
  createEvents,
  registerAccounts,
  type Account,
  type QrEvent,
} from './support/client.js';
import { startStack, withClient, type Stack } from './support/stack.js';
import { checkIns, logins, percentile, report, tally, Traffic } from './support/traffic.js';

// PostgreSQL restarted under steady check-in and login traffic through the gateway. This file
// runs a PostgreSQL of its own (the run's shared one must stay up for the other files), stopped
// and started again on the same port and data folder, as a container restart would.
const BEFORE_MS = 3000;
const OUTAGE_MS = 5000;
const AFTER_MS = 4000;
// An answer during the outage must come well before a client would give up on a hang.
const OUTAGE_ANSWER_MS = 5000;

let settings: EmbeddedPostgresSettings;
let postgres: RunningPostgres | undefined;
let stack: Stack;
// Set once the stack is up: a failed start leaves nothing to stop.
let cleanup: (() => Promise<void>) | undefined;
let accounts: Account[];
let events: QrEvent[];

beforeAll(async () => {
  settings = {
    dataDir: await mkdtemp(join(tmpdir(), 'cloud-backend-faults-pg-')),
    port: await freePort(),
    password: randomBytes(12).toString('hex'),
    persistent: true,
  };
  postgres = await startEmbeddedPostgres(settings);
  stack = await startStack({ adminUrl: postgres.adminUrl, prefix: 'pgrestart' });
  cleanup = () => stack.close();
  const base = stack.gateway.url;
  accounts = await registerAccounts(base, 'pg-restart', 30);
  events = await createEvents(base, await adminToken(base), 40);
});

afterAll(async () => {
  await cleanup?.().catch(() => undefined);
  await postgres?.stop();
  await rm(settings.dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PostgreSQL restarted under check-in and login traffic', () => {
  it('keeps every acknowledged write, answers 503 JSON during the outage and recovers', async () => {
    const base = stack.gateway.url;
    const services = [stack.auth, stack.user, stack.socialLog, stack.gateway];
    const pids = services.map((service) => service.running.child.pid);
    const traffic = new Traffic(
      [checkIns(base, events, accounts, { requeueFailed: true }), logins(base, accounts)],
      {
        workers: 3,
        pauseMs: 10,
      },
    ).start();

    await sleep(BEFORE_MS);
    const down = performance.now();
    await postgres?.stop();
    postgres = undefined;
    await sleep(OUTAGE_MS);
    postgres = await startEmbeddedPostgres(settings);
    const up = performance.now();

    // Recovered: both kinds of write succeed again on their own, nobody restarted anything.
    const deadline = Date.now() + 30_000;
    const succeededSince = (kind: string) =>
      traffic.outcomes.some(
        (o) => o.kind.startsWith(kind) && o.sentAt > up && o.status >= 200 && o.status < 300,
      );
    while (!succeededSince('check-in') || !succeededSince('login')) {
      if (Date.now() > deadline) {
        const since = traffic.outcomes.filter((o) => o.sentAt > up);
        const last = since.slice(-3).map((o) => `${o.kind} ${String(o.status)} ${o.text}`);
        await traffic.stop();
        throw new Error(
          `no recovery 30 s after the restart: ${JSON.stringify(tally(since))}\n` +
            `${last.join('\n')}\n${stack.auth.output().slice(-2000)}`,
        );
      }
      await sleep(250);
    }
    const recovered = performance.now();
    await sleep(AFTER_MS);
    const outcomes = await traffic.stop();

    // A check-in that got a 503 is tried again later; its retry's 409 means the first attempt
    // had been committed after all (its acknowledgement lost with the connection).
    const committedAnyway = outcomes.filter((o) => o.kind === 'check-in-retry' && o.status === 409);
    const failures = outcomes.filter(
      (o) => (o.status < 200 || o.status >= 300) && !committedAnyway.includes(o),
    );
    const duringOutage = outcomes.filter((o) => o.endedAt > down && o.sentAt < recovered);
    const steadyAfter = outcomes.filter((o) => o.sentAt > recovered + 1000);
    report('postgres restart', {
      requests: outcomes.length,
      byStatus: tally(outcomes),
      outageMs: Math.round(up - down),
      recoveredAfterRestartMs: Math.round(recovered - up),
      failureLatencyMsP50: Math.round(
        percentile(
          failures.map((o) => o.ms),
          50,
        ),
      ),
      failureLatencyMsMax: Math.round(Math.max(0, ...failures.map((o) => o.ms))),
      retriedCheckInsFoundCommitted: committedAnyway.length,
    });

    // The outage was under traffic, and every failure was a prompt 503 in the JSON model.
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.status, `${failure.kind}: ${failure.text}${failure.error ?? ''}`).toBe(503);
      expect(JSON.parse(failure.text)).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      expect(failure.ms).toBeLessThan(OUTAGE_ANSWER_MS);
      expect(failure.sentAt).toBeLessThan(recovered);
    }
    expect(duringOutage.length).toBeGreaterThan(0);
    expect(steadyAfter.length).toBeGreaterThan(0);
    expect(steadyAfter.filter((o) => failures.includes(o))).toEqual([]);

    // Every acknowledged write is in the database.
    const checkedIn = outcomes.filter((o) => o.kind.startsWith('check-in') && o.status === 201);
    const loggedIn = outcomes.filter((o) => o.kind === 'login' && o.status === 200);
    const attendance = await withClient(stack.databases.user, async (client) => {
      const { rows } = await client.query<{ key: string }>(
        `SELECT event_id || '/' || user_id AS key FROM attendance WHERE scanned_at IS NOT NULL`,
      );
      return new Set(rows.map((row) => row.key));
    });
    const sessions = await withClient(stack.databases.auth, async (client) => {
      const { rows } = await client.query<{ id: string }>('SELECT id::text AS id FROM sessions');
      return new Set(rows.map((row) => row.id));
    });
    expect(checkedIn.filter((o) => !attendance.has(o.key)).map((o) => o.key)).toEqual([]);
    expect(committedAnyway.filter((o) => !attendance.has(o.key)).map((o) => o.key)).toEqual([]);
    expect(loggedIn.filter((o) => !sessions.has(o.key)).map((o) => o.key)).toEqual([]);
    report('postgres restart: acknowledged writes found', {
      checkIns: checkedIn.length,
      logins: loggedIn.length,
    });

    // The same processes, still running.
    expect(services.map((service) => service.running.child.pid)).toEqual(pids);
    expect(services.every((service) => service.running.child.exitCode === null)).toBe(true);
  });

  // What took auth-service down in this scenario before shared/src/db.ts listened for it: the
  // connection of a checked-out client lost between two statements (the outbox holds its
  // transaction open while it POSTs to social-log-service) was an 'error' event nobody handled.
  it('fails a transaction whose connection is lost between statements, not the process', async () => {
    if (!postgres) throw new Error('PostgreSQL is not running');
    const pool = createPool(
      { connectionString: stack.databases.user, applicationName: 'faults-lost-connection' },
      pino({ level: 'silent' }),
    );
    const admin = new pg.Client({ connectionString: postgres.adminUrl });
    await admin.connect();
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.prependListener('uncaughtException', onUncaught);
    try {
      const outcome = await withTransaction(pool, async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
        // No statement running while the connection goes: as during an HTTP call.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await client.query('SELECT 1');
      }).then(
        () => 'committed',
        (err: unknown) => (isDatabaseUnavailable(err) ? 'unavailable' : String(err)),
      );
      expect(uncaught).toEqual([]);
      expect(outcome).toBe('unavailable');
      // The pool threw the broken client away: the next transaction works.
      expect(
        await withTransaction(pool, async (client) => (await client.query('SELECT 1')).rowCount),
      ).toBe(1);
    } finally {
      process.off('uncaughtException', onUncaught);
      await admin.end();
      await pool.end();
    }
  });
});
