/**
 * Resident memory of every service, idle and under the gateway load, in one run:
 *
 *   npm run bench:memory      (BENCH_DURATION=15 seconds of load)
 *
 * Each service runs from its sources through tsx (node --import tsx src/server.ts, NODE_ENV
 * production) in its own process: auth-service, user-service, social-log-service,
 * dashboard-api and the gateway, on one PostgreSQL. VmRSS of each process is read from
 * /proc/<pid>/status:
 * - idle: after start-up and a few requests on each (so lazily loaded code is in), then 20 s
 *   (start-up garbage, tsx's compilation included, is collected by then);
 * - under load: the load of bench/gateway.ts (authenticated GET /user/profile through the
 *   gateway, 50 connections) for BENCH_DURATION s, sampled every 500 ms: median and peak;
 * - after: 10 s after the load ended.
 * PostgreSQL (postmaster and its backends) is shown as the sum of their proportional set size
 * (Pss, /proc/<pid>/smaps_rollup): RSS would count the shared buffers once per backend.
 * Running through tsx adds its compiler to every Node process (tens of MB); the images run
 * compiled JavaScript, so these figures are an upper bound for them.
 */
import autocannon from 'autocannon';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { loadAverage, median } from './lib/measure.js';
import { ADMIN, login, startStack } from './lib/stack.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 15);
const say = (text: string) => process.stdout.write(`${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A field of /proc/<pid>/status or smaps_rollup, in kB (NaN once the process is gone). */
function procKb(pid: number, file: 'status' | 'smaps_rollup', field: string): number {
  try {
    const text = readFileSync(`/proc/${String(pid)}/${file}`, 'utf8');
    return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** The postmaster and every process whose parent it is (its backends and workers). */
function postgresPids(postmaster: number): number[] {
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // "pid (comm) state ppid …": comm may hold spaces, so split after the last ')'.
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

say(`load average at start: ${loadAverage()}`);
const stack = await startStack({ bcryptCost: 4 });
try {
  const socialLog = await stack.startExtra(
    'social-log-service',
    'social-log-service/src/server.ts',
    {},
  );
  const dashboard = await stack.startExtra(
    'dashboard-api',
    'monitoring/dashboard-api/src/server.ts',
    {
      AUTH_DATABASE_URL: stack.authDb,
      USER_DATABASE_URL: stack.userDb,
    },
  );
  const gateway = await stack.startGateway('gateway', {
    SOCIAL_LOG_SERVICE_URL: socialLog.service.url,
    DASHBOARD_API_URL: dashboard.service.url,
  });
  const client = new pg.Client({ connectionString: stack.authDb });
  await client.connect();
  const { rows } = await client.query<{ dir: string }>(
    "SELECT setting AS dir FROM pg_settings WHERE name = 'data_directory'",
  );
  await client.end();
  const postmaster = Number(
    readFileSync(`${rows[0]?.dir ?? ''}/postmaster.pid`, 'utf8').split('\n')[0],
  );

  const admin = await login(stack.auth.url, ADMIN.email, ADMIN.password);
  const headers = { authorization: `Bearer ${admin}` };
  for (let i = 0; i < 20; i++) {
    await Promise.all([
      fetch(`${gateway.url}/user/profile`, { headers }),
      fetch(`${gateway.url}/dashboard/health`, { headers }),
      fetch(`${gateway.url}/health`),
      fetch(`${socialLog.service.url}/health/ready`),
    ]);
  }
  await sleep(20_000);

  const names = [...stack.processes.keys()];
  const pidOf = (name: string) => stack.processes.get(name)?.child.pid ?? 0;
  const postgresKb = () =>
    postgresPids(postmaster).reduce(
      (sum, pid) => sum + (procKb(pid, 'smaps_rollup', 'Pss') || 0),
      0,
    );
  const snapshot = () =>
    new Map<string, number>([
      ...names.map((name): [string, number] => [name, procKb(pidOf(name), 'status', 'VmRSS')]),
      ['PostgreSQL (Pss)', postgresKb()],
    ]);

  const idle = snapshot();
  say(`idle: ${[...idle].map(([name, kb]) => `${name} ${mb(kb)}`).join(', ')}`);
  say(`GET /user/profile through the gateway, 50 connections, ${String(DURATION)} s…`);
  const samples = new Map<string, number[]>([...idle.keys()].map((name) => [name, []]));
  const sampler = setInterval(() => {
    for (const [name, kb] of snapshot()) samples.get(name)?.push(kb);
  }, 500);
  const load = await autocannon({
    url: `${gateway.url}/user/profile`,
    connections: 50,
    duration: DURATION,
    headers,
  });
  clearInterval(sampler);
  await sleep(10_000);
  const after = snapshot();

  say(
    `\nbench/memory (VmRSS; load ${(load['2xx'] / load.duration).toFixed(0)} req/s through the ` +
      `gateway, non-2xx ${String(load.non2xx)}; load average ${loadAverage()})`,
  );
  say(
    `  ${'process'.padEnd(20)} ${'idle'.padStart(7)} ${'load p50'.padStart(9)} ${'peak'.padStart(7)} ${'after'.padStart(7)}`,
  );
  for (const [name, kb] of idle) {
    const during = samples.get(name) ?? [];
    say(
      `  ${name.padEnd(20)} ${mb(kb).padStart(7)} ${mb(median(during)).padStart(9)} ` +
        `${mb(Math.max(...during)).padStart(7)} ${mb(after.get(name) ?? NaN).padStart(7)}`,
    );
  }
} finally {
  await stack.stop();
}
