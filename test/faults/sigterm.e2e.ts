import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { postgresAdminUrl } from '@cloud-backend/shared/testing';
import {
  adminToken,
  createEvents,
  registerAccounts,
  request,
  type Account,
  type Exchange,
  type QrEvent,
} from './support/client.js';
import { startStack, type ServiceProcess, type Stack } from './support/stack.js';
import { checkIns, profileReads, report, tally, Traffic, type Outcome } from './support/traffic.js';

// SIGTERM during traffic, defined as a client can check it:
//   - a request in flight when the signal arrives completes with its normal answer (2xx);
//   - the process exits 0;
//   - a request sent afterwards, while the process drains or is gone, is either served or
//     refused as unreachable: through the gateway a 502 UPSTREAM_UNAVAILABLE (nothing was
//     done, the client may retry), directly a refused connection. Never a 503 or 500 from a
//     closing server, never a connection reset on a keep-alive connection, never a hang.
// The gateway does not retry on the client's behalf: a POST it re-sent could be stored twice.
let stack: Stack;
// Set once the stack is up: a failed start leaves nothing to stop.
let cleanup: (() => Promise<void>) | undefined;
let accounts: Account[];
let events: QrEvent[];
let eventIndex = 0;

beforeAll(async () => {
  stack = await startStack({ adminUrl: postgresAdminUrl(), prefix: 'sigterm' });
  cleanup = () => stack.close();
  accounts = await registerAccounts(stack.gateway.url, 'sigterm', 12);
  events = await createEvents(stack.gateway.url, await adminToken(stack.gateway.url), 30);
});

afterAll(async () => {
  await cleanup?.();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ok = (status: number) => status >= 200 && status < 300;

/** A check-in that stays in flight: the attendance table is locked until `release`. */
async function blockCheckIns(): Promise<{
  waiting(): Promise<number>;
  activity(): Promise<string>;
  release(): Promise<void>;
}> {
  const client = new pg.Client({ connectionString: stack.databases.user });
  // Dropping the database at the end terminates this connection: not an uncaught error.
  client.on('error', () => undefined);
  await client.connect();
  await client.query('BEGIN');
  // Never queue behind something stuck: that would hang the test instead of failing it.
  await client.query("SET LOCAL lock_timeout = '5s'");
  await client.query('LOCK TABLE attendance IN EXCLUSIVE MODE');
  return {
    async waiting() {
      // Inside a transaction pg_stat_activity is read once and kept: ask for a fresh view.
      await client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return rows[0]?.n ?? 0;
    },
    async activity() {
      await client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await client.query<{ row: string }>(
        `SELECT concat_ws(' ', pid, application_name, state, wait_event_type, wait_event,
                left(query, 60)) AS row
           FROM pg_stat_activity WHERE datname = current_database()`,
      );
      return rows.map((row) => row.row).join('\n');
    },
    async release() {
      await client.query('COMMIT').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

function scan(base: string, path: string, account: Account, event: QrEvent): Promise<Exchange> {
  return request(base, 'POST', path, {
    token: account.token,
    body: { qr_content: event.qrContent },
  });
}

/** A request on a connection of its own: its status, or 'refused'. */
function freshConnection(base: string): Promise<number | 'refused'> {
  return new Promise((resolve) => {
    const req = httpRequest(`${base}/health`, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve('refused'));
    req.end();
  });
}

type Refusal = 'gateway 502' | 'connection refused';

/** What a request sent after the signal may get: served, or refused as unreachable. */
function acceptableAfterSignal(outcome: Outcome, refusal: Refusal): boolean {
  if (ok(outcome.status)) return true;
  // A check-in whose earlier attempt was stored before the process went away.
  if (outcome.kind === 'check-in-retry' && outcome.status === 409) return true;
  if (refusal === 'gateway 502') {
    return outcome.status === 502 && outcome.text.includes('"UPSTREAM_UNAVAILABLE"');
  }
  return outcome.status === 0 && (outcome.error ?? '').includes('ECONNREFUSED');
}

const describeOutcome = (o: Outcome) => `${o.kind} ${String(o.status)} ${o.text}${o.error ?? ''}`;

interface Scenario {
  name: string;
  target: () => ServiceProcess;
  base: () => string;
  /** The user-service routes as seen from base: /user behind the gateway, none directly. */
  prefix: string;
  refusal: Refusal;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'user-service, clients direct',
    target: () => stack.user,
    base: () => stack.user.url,
    prefix: '',
    refusal: 'connection refused',
  },
  {
    name: 'user-service, clients through the gateway',
    target: () => stack.user,
    base: () => stack.gateway.url,
    prefix: '/user',
    refusal: 'gateway 502',
  },
  {
    name: 'the gateway itself',
    target: () => stack.gateway,
    base: () => stack.gateway.url,
    prefix: '/user',
    refusal: 'connection refused',
  },
];

describe('SIGTERM during traffic', () => {
  it.each(SCENARIOS)('$name: in-flight requests complete, exit 0, no 5xx', async (scenario) => {
    const target = scenario.target();
    const base = scenario.base();
    const slice = events.slice(eventIndex, eventIndex + 8);
    eventIndex += 8;
    const [heldEvent, ...trafficEvents] = slice;
    if (!heldEvent) throw new Error('no QR events left');

    // Keep-alive connections busy with steady reads and writes…
    const traffic = new Traffic(
      [
        profileReads(base, accounts, `${scenario.prefix}/profile`),
        checkIns(base, trafficEvents, accounts, {
          requeueFailed: true,
          path: `${scenario.prefix}/qr/scan`,
        }),
      ],
      { workers: 3, pauseMs: 5 },
    ).start();
    await sleep(1500);
    // …and check-ins held in flight (waiting on a table lock) when the signal arrives.
    const lock = await blockCheckIns();
    const held = accounts
      .slice(0, 6)
      .map((account) => scan(base, `${scenario.prefix}/qr/scan`, account, heldEvent));
    const deadline = Date.now() + 10_000;
    while ((await lock.waiting()) < 6) {
      if (Date.now() > deadline) {
        const activity = await lock.activity();
        await lock.release();
        await traffic.stop();
        throw new Error(`check-ins not held:\n${activity}`);
      }
      await sleep(50);
    }

    const signalledAt = performance.now();
    const exited = target.signal('SIGTERM');
    await sleep(1000);
    await lock.release();
    const heldAnswers = await Promise.all(held);
    // close-with-grace gives up after SHUTDOWN_TIMEOUT_MS (10 s) and exits 1: 20 s is a hang.
    const code = await Promise.race([
      exited,
      sleep(20_000).then(() => {
        throw new Error(`${target.name} did not exit after SIGTERM:\n${target.output()}`);
      }),
    ]);
    const exitedAt = performance.now();
    // Some traffic against the stopped process too, then none: what a process just started
    // answers is not this scenario (see docs/RELIABILITY.md on the gateway's start).
    await sleep(500);
    const outcomes = await traffic.stop();
    await target.start();

    const before = outcomes.filter((o) => o.sentAt < signalledAt);
    const after = outcomes.filter((o) => o.sentAt >= signalledAt);
    report(`sigterm: ${scenario.name}`, {
      heldInFlight: heldAnswers.map((answer) => answer.status),
      exitCode: code,
      drainMs: Math.round(exitedAt - signalledAt),
      sentBefore: tally(before),
      sentAfter: tally(after),
    });
    expect(heldAnswers.map((answer) => answer.status)).toEqual(heldAnswers.map(() => 201));
    expect(code).toBe(0);
    expect(before.filter((o) => !ok(o.status)).map(describeOutcome)).toEqual([]);
    expect(
      after.filter((o) => !acceptableAfterSignal(o, scenario.refusal)).map(describeOutcome),
    ).toEqual([]);
    // And it serves again once started (a new gateway first loads the revocation list).
    await expect
      .poll(
        async () =>
          (
            await request(base, 'GET', `${scenario.prefix}/profile`, {
              token: accounts[0]?.token ?? '',
            })
          ).status,
        { timeout: 10_000, interval: 100 },
      )
      .toBe(200);
  });

  // The race behind a reset on a keep-alive connection, made to happen every time: clients
  // whose connections are open and idle send their next request right as the signal arrives.
  // Closing idle connections at once (http.Server#close) resets or refuses these; a drain
  // serves them (with Connection: close) before closing.
  it('serves requests sent on open keep-alive connections as the signal arrives', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 40 });
    const token = accounts[0]?.token ?? '';
    const get = () =>
      new Promise<{ status: number; connection: string; error?: string }>((resolve) => {
        const req = httpRequest(
          `${stack.user.url}/profile`,
          { agent, headers: { authorization: `Bearer ${token}` } },
          (res) => {
            res.resume();
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, connection: String(res.headers.connection) }),
            );
          },
        );
        req.on('error', (err) => resolve({ status: 0, connection: '', error: err.message }));
        req.end();
      });
    try {
      // 40 connections opened and left idle in the agent's pool.
      const warm = await Promise.all(Array.from({ length: 40 }, get));
      expect(warm.every((answer) => answer.status === 200)).toBe(true);
      const exited = stack.user.signal('SIGTERM');
      // Until the process has acted on the signal: a new connection is refused.
      const deadline = Date.now() + 5000;
      while ((await freshConnection(stack.user.url)) !== 'refused') {
        if (Date.now() > deadline) throw new Error('still accepting connections 5 s after SIGTERM');
        await sleep(5);
      }
      const answers = await Promise.all(Array.from({ length: 40 }, get));
      report('sigterm: requests on idle keep-alive connections', {
        statuses: answers.map((answer) => answer.error ?? answer.status),
      });
      expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
      expect(answers.every((answer) => answer.connection === 'close')).toBe(true);
      expect(await exited).toBe(0);
    } finally {
      agent.destroy();
      await stack.user.start();
    }
  });
});
