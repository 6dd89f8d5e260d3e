/**
 * The check-in burst through the production path, and its reference, in one run:
 *
 *   npm run bench:checkin     (BENCH_USERS=1000, BENCH_WINDOW=15 seconds for the lecture hall)
 *
 * 1 000 real accounts (registered and logged in at auth-service beforehand) scan one event's
 * QR: POST /user/qr/scan over HTTPS to nginx (the production configuration and its TLS), which
 * keeps connections alive to the gateway, which forwards to user-service (checking the token,
 * the rate limit and the revocation list on the way). Every scan is one phone: a new TLS
 * connection. Three arrivals (bench/lib/burst.ts): the lecture hall (1 000 scans at random
 * over BENCH_WINDOW seconds), 50 concurrent clients, and all 1 000 at once. Each burst has its
 * own event and its own 1 000 never-seen users, so each pays the first-scan user sync.
 * Reference, in the same run: the same bursts straight to user-service over plain HTTP (no
 * nginx, no gateway), nginx answering the lecture hall by itself (the TLS floor), and 1 000
 * bare INSERTs into attendance through a pool of 10.
 * Afterwards the attendance table must hold 1 000 rows per event and no duplicates.
 * Goal: lecture hall p95 < 200 ms through nginx and the gateway (docs/PERFORMANCE.md).
 */
import { availableParallelism, loadavg } from 'node:os';
import pg from 'pg';
import {
  burst,
  describeArrival,
  formatStatuses,
  type Arrival,
  type BurstResult,
} from './lib/burst.js';
import { startNginx, type RunningNginx } from './lib/nginx.js';
import {
  ADMIN,
  countAttendance,
  createAttendees,
  createEvent,
  login,
  startStack,
} from './lib/stack.js';

const USERS = Number(process.env.BENCH_USERS ?? 1000);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 15);
const GOAL_MS = 200;
const ARRIVALS: Arrival[] = [
  { kind: 'open', seconds: WINDOW },
  { kind: 'clients', clients: 50 },
  { kind: 'once' },
];

const say = (text: string) => process.stdout.write(`${text}\n`);
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
const ms = (n: number) => `${n.toFixed(0)} ms`;

/** USERS bare INSERTs, all queued at once on a pool of 10: the database's own rate. */
async function bareInserts(databaseUrl: string): Promise<number> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  try {
    await pool.query(
      `INSERT INTO attendance_events (event_id, event_name, date, qr_jwt, starts_at, expires_at)
       VALUES ('bare', 'bare', current_date, '', now(), now() + interval '1 hour')`,
    );
    // Users the bursts synced (attendance.user_id references users).
    const { rows } = await pool.query<{ id: number }>('SELECT id FROM users ORDER BY id LIMIT $1', [
      USERS,
    ]);
    const start = performance.now();
    await Promise.all(
      rows.map(({ id }) =>
        pool.query(
          `INSERT INTO attendance (event_id, user_id, name, surname, scanned_at)
           VALUES ('bare', $1, 'U', 'Bench', now())`,
          [id],
        ),
      ),
    );
    return (rows.length / (performance.now() - start)) * 1000;
  } finally {
    await pool.end();
  }
}

say(`load average at start: ${load()} (${String(availableParallelism())} cores)`);
say('starting PostgreSQL, auth-service, user-service, the gateway and nginx…');
const stack = await startStack({ bcryptCost: 4 });
let nginx: RunningNginx | undefined;
try {
  const gateway = await stack.startGateway('gateway');
  nginx = await startNginx([gateway.url.replace('http://', '')]);
  const admin = await login(stack.auth.url, ADMIN.email, ADMIN.password);
  const generate = `${gateway.url}/user/qr/admin/generate`;
  const targets = [
    { name: 'nginx+gateway', url: `${nginx.url}/user/qr/scan` },
    { name: 'direct', url: `${stack.user.url}/qr/scan` },
  ];

  say(`registering and logging in ${String(USERS * (ARRIVALS.length * 2) + 200)} accounts…`);
  const started = performance.now();
  const warmUsers = await createAttendees(stack.auth.url, 'warm', 200);
  const sets: string[][] = [];
  for (let i = 0; i < ARRIVALS.length * targets.length; i++) {
    sets.push(await createAttendees(stack.auth.url, `set${String(i)}`, USERS));
  }
  say(`  done in ${((performance.now() - started) / 1000).toFixed(0)} s`);

  // JIT, pools and nginx's upstream connections warm up on 100 scans per path.
  for (const [i, target] of targets.entries()) {
    const event = await createEvent(generate, admin, `Warm-up ${String(i)}`);
    await burst(target.url, warmUsers.slice(i * 100, i * 100 + 100), event.body, {
      kind: 'clients',
      clients: 10,
    });
  }

  const rows: string[] = [];
  const row = (path: string, result: BurstResult, counted: string) => {
    const line =
      `${path.padEnd(13)} ${ms(result.p50).padStart(7)} ${ms(result.p95).padStart(8)} ` +
      `${ms(result.p99).padStart(8)} ${ms(result.max).padStart(8)} ` +
      `${result.rate.toFixed(0).padStart(5)}/s  ${formatStatuses(result.statuses)}${counted}`;
    say(`  ${line}`);
    rows.push(`    ${line}`);
  };
  let set = 0;
  let goal = NaN;
  let allRecorded = true;
  for (const arrival of ARRIVALS) {
    say(`${describeArrival(arrival, USERS)} (load ${load()})…`);
    rows.push(`  ${describeArrival(arrival, USERS)}:`);
    for (const target of targets) {
      const tokens = sets[set++] ?? [];
      const event = await createEvent(generate, admin, `Bench ${String(set)}`);
      const result = await burst(target.url, tokens, event.body, arrival);
      const { recorded, duplicates } = await countAttendance(stack.userDb, event.eventId);
      allRecorded &&= recorded === USERS && duplicates === 0;
      if (arrival.kind === 'open' && target.name === 'nginx+gateway') goal = result.p95;
      row(target.name, result, `, recorded ${String(recorded)}, duplicates ${String(duplicates)}`);
    }
    if (arrival.kind === 'open') {
      // The floor of the edge: nginx answering by itself, same arrival, same new TLS
      // connection per scan (this client's TLS shares the cores too).
      const floor = await burst(`${nginx.url}/nginx-health`, sets[0] ?? [], '{}', arrival);
      row('nginx alone', floor, ' (POST /nginx-health: TLS + nginx only)');
    }
  }
  const bare = await bareInserts(stack.userDb);

  say(`\nbench/checkin (${String(USERS)} users per burst, one event each; load ${load()})`);
  say(
    `    ${'path'.padEnd(13)} ${'p50'.padStart(7)} ${'p95'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)} ${'rate'.padStart(7)}  answers`,
  );
  say(rows.join('\n'));
  say(`  reference: bare INSERT into attendance, pool of 10: ${bare.toFixed(0)}/s`);
  say(
    `  goal: lecture hall p95 through nginx+gateway < ${String(GOAL_MS)} ms: ${ms(goal)} ` +
      `${goal < GOAL_MS ? 'met' : 'MISSED'}; every burst recorded ${String(USERS)}, no duplicates: ` +
      (allRecorded ? 'yes' : 'NO'),
  );
  const edgeErrors = nginx.errors();
  if (edgeErrors.length > 0) say(`  nginx error.log: ${edgeErrors.join('; ')}`);
  if (!allRecorded) process.exitCode = 1;
} finally {
  await nginx?.stop();
  await stack.stop();
}
