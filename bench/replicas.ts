/**
 * What a second gateway replica buys on this machine, side by side in one run:
 *
 *   npm run bench:replicas   (BENCH_DURATION=5 s per GET round, BENCH_ROUNDS=2,
 *                             BENCH_LOGIN_DURATION=5 s per login round, BCRYPT_COST=12, BENCH_USERS=1000,
 *                             BENCH_WINDOW=15 s)
 *
 * One PostgreSQL, auth-service (BCRYPT_COST, production's 12 by default), user-service and
 * one redis-server; three gateways: one alone with its limits in memory (a single replica as
 * deployed today), and two sharing REDIS_URL (rate limits and revocations in Redis). Each
 * configuration has its own nginx (the production configuration and TLS, bench/lib/nginx.ts)
 * with the replicas in an upstream block, round robin, keep-alive:
 *   1 replica            nginx → gateway (memory limits)
 *   1 replica + Redis    nginx → one of the Redis gateways (what Redis alone costs)
 *   2 replicas + Redis   nginx → both Redis gateways
 * The three measurements of docs/PERFORMANCE.md, each against the same reference in the same run:
 * - gateway overhead: GET /user/profile, 50 kept-alive connections, medians of BENCH_ROUNDS
 *   interleaved rounds; reference: user-service directly;
 * - login: POST /login with correct passwords (8 connections), medians of the same rounds;
 *   reference: the bcrypt limit at BCRYPT_COST, measured before and after;
 * - check-in: the lecture hall of bench/checkin.ts (1 000 never-seen users at random over
 *   BENCH_WINDOW s, each on a new TLS connection) and 50 concurrent clients; every burst must
 *   record 1 000 rows and no duplicates.
 * Everything shares the 2 cores (nginx's workers, the gateways, the services, PostgreSQL,
 * Redis and the load generator), so this shows what a replica buys when the cores are the
 * limit, not on a second machine.
 */
import { availableParallelism } from 'node:os';
import { burst, describeArrival, formatStatuses, type Arrival } from './lib/burst.js';
import {
  bcryptLimit,
  combine,
  formatMeasure,
  loadAverage,
  measureGet,
  measureLogin,
  type Measure,
} from './lib/measure.js';
import { startNginx, type RunningNginx } from './lib/nginx.js';
import { startRedis, type RunningRedis } from './lib/redis.js';
import {
  ADMIN,
  PASSWORD,
  countAttendance,
  createAttendees,
  createEvent,
  login,
  startStack,
} from './lib/stack.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const LOGIN_DURATION = Number(process.env.BENCH_LOGIN_DURATION ?? 5);
const COST = Number(process.env.BCRYPT_COST ?? 12);
const USERS = Number(process.env.BENCH_USERS ?? 1000);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 15);
const LOGIN_ACCOUNTS = 20;

const say = (text: string) => process.stdout.write(`${text}\n`);
const hostPort = (url: string) => url.replace('http://', '');

say(`load average at start: ${loadAverage()} (${String(availableParallelism())} cores)`);
say('starting PostgreSQL, redis-server, auth-service, user-service, 3 gateways, 3 nginx…');
const stack = await startStack({ bcryptCost: COST });
const edges: RunningNginx[] = [];
let redis: RunningRedis | undefined;
try {
  redis = await startRedis();
  const shared = { REDIS_URL: redis.url };
  const [alone, first, second] = await Promise.all([
    stack.startGateway('gateway'),
    stack.startGateway('gateway-redis-1', shared),
    stack.startGateway('gateway-redis-2', shared),
  ]);
  const configs = [
    { name: '1 replica', gateways: [alone.url] },
    { name: '1 replica + Redis', gateways: [first.url] },
    { name: '2 replicas + Redis', gateways: [first.url, second.url] },
  ];
  const targets: { name: string; base: string }[] = [];
  for (const config of configs) {
    const edge = await startNginx(config.gateways.map(hostPort));
    edges.push(edge);
    targets.push({ name: config.name, base: edge.url });
  }

  const admin = await login(stack.auth.url, ADMIN.email, ADMIN.password);
  say(
    `accounts: ${String(LOGIN_ACCOUNTS)} at cost ${String(COST)}, ${String(4 * USERS)} at cost 4…`,
  );
  const loginEmails = Array.from(
    { length: LOGIN_ACCOUNTS },
    (_, i) => `login${String(i)}@example.com`,
  );
  await Promise.all(
    loginEmails.map(async (email) => {
      const response = await fetch(`${stack.auth.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, name: 'Bench', surname: 'Login', password: PASSWORD }),
      });
      if (response.status !== 201) throw new Error(`register: ${String(response.status)}`);
    }),
  );
  const setup = await stack.startAuth('auth-setup', 4);
  const sets: string[][] = [];
  for (let i = 0; i < 4; i++) sets.push(await createAttendees(setup.url, `set${String(i)}`, USERS));
  await setup.stop();
  stack.processes.delete('auth-setup');

  // 1. Gateway overhead.
  const getTargets = [
    { name: 'direct', url: `${stack.user.url}/profile` },
    ...targets.map((t) => ({ name: t.name, url: `${t.base}/user/profile` })),
  ];
  for (const target of getTargets) await measureGet(target.url, admin, 50, 2);
  const gets = new Map<string, Measure[]>(getTargets.map((t) => [t.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    const line: string[] = [];
    for (const target of getTargets) {
      const result = await measureGet(target.url, admin, 50, DURATION);
      gets.get(target.name)?.push(result);
      line.push(`${target.name} ${result.rps.toFixed(0)}/s`);
    }
    say(`GET round ${String(round)}/${String(ROUNDS)} (load ${loadAverage()}): ${line.join(', ')}`);
  }

  // 2. Login against the bcrypt limit, the targets taking turns as the GETs do.
  const limitBefore = await bcryptLimit(COST, PASSWORD, LOGIN_DURATION / 2);
  const loginTargets = [{ name: 'direct', base: stack.auth.url }, ...targets];
  const logins = new Map<string, Measure[]>(loginTargets.map((t) => [t.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    const line: string[] = [];
    for (const target of loginTargets) {
      const url = `${target.base}/login`;
      const result = await measureLogin(url, loginEmails, PASSWORD, 8, LOGIN_DURATION);
      logins.get(target.name)?.push(result);
      line.push(`${target.name} ${result.rps.toFixed(1)}/s`);
    }
    say(
      `login round ${String(round)}/${String(ROUNDS)} (load ${loadAverage()}): ${line.join(', ')}`,
    );
  }
  const limit = (limitBefore + (await bcryptLimit(COST, PASSWORD, LOGIN_DURATION / 2))) / 2;

  // 3. Check-in bursts, 1 replica against 2.
  const generate = `${alone.url}/user/qr/admin/generate`;
  const arrivals: Arrival[] = [
    { kind: 'open', seconds: WINDOW },
    { kind: 'clients', clients: 50 },
  ];
  const burstRows: string[] = [];
  let set = 0;
  let allRecorded = true;
  for (const arrival of arrivals) {
    for (const target of [targets[0], targets[2]]) {
      if (!target) continue;
      const event = await createEvent(generate, admin, `Replicas ${String(set)}`);
      const result = await burst(
        `${target.base}/user/qr/scan`,
        sets[set++] ?? [],
        event.body,
        arrival,
      );
      const { recorded, duplicates } = await countAttendance(stack.userDb, event.eventId);
      allRecorded &&= recorded === USERS && duplicates === 0;
      const line =
        `[${describeArrival(arrival, USERS)}] ${target.name}: p50 ${result.p50.toFixed(0)} ms, ` +
        `p95 ${result.p95.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms, ` +
        `${result.rate.toFixed(0)}/s; ${formatStatuses(result.statuses)}; ` +
        `recorded ${String(recorded)}, duplicates ${String(duplicates)}`;
      say(`${line} (load ${loadAverage()})`);
      burstRows.push(line);
    }
  }

  const direct = combine(gets.get('direct') ?? []);
  say(`\nbench/replicas (${String(availableParallelism())} cores; load ${loadAverage()})`);
  say(`  GET /user/profile, 50 connections, medians of ${String(ROUNDS)} × ${String(DURATION)} s:`);
  say(`    ${'direct'.padEnd(19)} ${formatMeasure(direct)}`);
  for (const target of targets) {
    const m = combine(gets.get(target.name) ?? []);
    say(
      `    ${target.name.padEnd(19)} ${formatMeasure(m)} (${(m.rps / direct.rps).toFixed(2)} of direct)`,
    );
  }
  say(
    `  POST /login, 8 connections, medians of ${String(ROUNDS)} × ${String(LOGIN_DURATION)} s; bcrypt limit (cost ${String(COST)}) ${limit.toFixed(1)}/s:`,
  );
  for (const [name, rounds] of logins) {
    const m = combine(rounds);
    say(
      `    ${name.padEnd(19)} ${formatMeasure(m, 'logins/s')} (${(m.rps / limit).toFixed(2)} of the limit)`,
    );
  }
  say(`  check-in, ${String(USERS)} never-seen users per burst:`);
  for (const row of burstRows) say(`    ${row}`);
  say(`  every burst recorded ${String(USERS)}, no duplicates: ${allRecorded ? 'yes' : 'NO'}`);
  for (const [i, edge] of edges.entries()) {
    const errors = edge.errors();
    if (errors.length > 0)
      say(`  nginx (${targets[i]?.name ?? ''}) error.log: ${errors.join('; ')}`);
  }
  if (!allRecorded) process.exitCode = 1;
} finally {
  await Promise.allSettled(edges.map((edge) => edge.stop()));
  await stack.stop();
  await redis?.stop();
}
