/**
 * What OpenTelemetry costs the gateway, measured side by side in one run:
 *
 *   npm run bench:tracing          (BENCH_DURATION=5 seconds per measurement, BENCH_ROUNDS=5)
 *
 * GET /user/profile (JWT verified, JSON from user-service) through three gateways, each a
 * separate process on a real port, in front of the same auth-service and user-service (both with
 * OTEL_SDK_DISABLED=true, so only the gateway differs): tracing off (OTEL_SDK_DISABLED=true);
 * tracing on with nothing sampled (OTEL_TRACES_SAMPLER=always_off: ids in the logs and
 * traceparent forwarded, no span recorded); and tracing on, exporting every span over OTLP http/protobuf to a receiver in this
 * process that only counts what arrives. At 50 connections: requests/s, p50, p99; at 1
 * connection: mean latency. The targets take turns over BENCH_ROUNDS rounds; figures are medians.
 * Logging stays at the services' production level (warn), as in bench/gateway.
 *
 * Also the gateway's CPU time per request (Linux: /proc/<pid>/stat, utime + stime), over the
 * 50-connection measurements: on a machine busy with other work, requests/s fall with the CPU
 * the gateway gets, while its CPU per request still compares the three.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { freePort } from '@cloud-backend/shared/dev';
import { combine, loadAverage, measureGet, type Measure } from './lib/measure.js';
import { startOtlpReceiver } from './lib/otlp-receiver.js';
import { benchDatabase } from './lib/postgres.js';
import { startService, type RunningService } from './lib/service.js';
import { benchSigningKeys } from './lib/signing-keys.js';
import { siblingDatabase } from './lib/sibling-database.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = 2;
const MANY = 50;
const OFF = { OTEL_SDK_DISABLED: 'true' };

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const say = (text: string) => process.stdout.write(`${text}\n`);

const authDb = await benchDatabase('bench_tracing_auth');
const userDb = await siblingDatabase(authDb.url, 'bench_tracing_user');
const receiver = await startOtlpReceiver({ decode: false });
const keys = await benchSigningKeys();
const internalToken = randomBytes(32).toString('hex');
const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
const [authPort, userPort, offPort, idsPort, exportPort, nobodyPort] = ports;
const nobody = `http://127.0.0.1:${String(nobodyPort)}`;
// Access tokens as in production: auth-service signs, the others verify with its published set.
const jwksUrl = keys.jwksUrl(`http://127.0.0.1:${String(authPort)}`);
const running: RunningService[] = [];

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${String(pid)}/stat`, 'utf8')
    .split(') ')[1]
    ?.split(' ');
  // utime and stime, fields 14 and 15 of stat(5), in clock ticks (100 a second on Linux).
  return (Number(fields?.[11]) + Number(fields?.[12])) / 100;
}

async function start(entry: string, port: number | undefined, env: Record<string, string>) {
  const service = await startService(entry, port ?? 0, env, 180_000);
  running.push(service);
  return service;
}

try {
  say('starting auth-service, user-service and three gateways…');
  // One after the other: on a loaded machine five processes starting at once can each take
  // longer than a start is given.
  const auth = await start('auth-service/src/server.ts', authPort, {
    ...OFF,
    DATABASE_URL: authDb.url,
    ...keys.authEnv,
    INTERNAL_API_TOKEN: internalToken,
    BCRYPT_COST: '4',
  });
  const user = await start('user-service/src/server.ts', userPort, {
    ...OFF,
    DATABASE_URL: userDb.url,
    JWT_SECRET: randomBytes(32).toString('hex'),
    JWKS_URL: jwksUrl,
  });
  const gatewayEnv = {
    JWKS_URL: jwksUrl,
    INTERNAL_API_TOKEN: internalToken,
    AUTH_SERVICE_URL: auth.url,
    USER_SERVICE_URL: user.url,
    SOCIAL_LOG_SERVICE_URL: nobody,
    DASHBOARD_API_URL: nobody,
    RATE_LIMIT_GLOBAL_MAX: '1000000000',
  };
  const off = await start('gateway/src/server.ts', offPort, { ...gatewayEnv, ...OFF });
  // The SDK running with nothing sampled: ids in the logs and traceparent forwarded, no span.
  const ids = await start('gateway/src/server.ts', idsPort, {
    ...gatewayEnv,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_TRACES_SAMPLER: 'always_off',
  });
  const exporting = await start('gateway/src/server.ts', exportPort, {
    ...gatewayEnv,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  });

  const credentials = { email: 'bench@example.com', password: 'benchmark password' };
  const registered = await fetch(`${auth.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...credentials, name: 'Bench', surname: 'User' }),
  });
  if (registered.status !== 201) throw new Error(`register: ${String(registered.status)}`);
  const login = await fetch(`${auth.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  const { token } = (await login.json()) as { token: string };

  const targets = [
    ['tracing off', `${off.url}/user/profile`],
    ['on, none sampled', `${ids.url}/user/profile`],
    ['on, exporting', `${exporting.url}/user/profile`],
  ] as const;
  for (const [name, url] of targets) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`${name}: ${String(response.status)}`);
  }

  type Name = (typeof targets)[number][0];
  const rounds = new Map<Name, { many: Measure[]; one: Measure[] }>(
    targets.map(([name]) => [name, { many: [], one: [] }]),
  );
  const pids = new Map<Name, number | undefined>([
    ['tracing off', off.child.pid],
    ['on, none sampled', ids.child.pid],
    ['on, exporting', exporting.child.pid],
  ]);
  const cpu = new Map<Name, { seconds: number; requests: number }>(
    targets.map(([name]) => [name, { seconds: 0, requests: 0 }]),
  );
  const loadBefore = loadAverage();
  for (const [, url] of targets) await measureGet(url, token, MANY, WARMUP);
  for (let round = 1; round <= ROUNDS; round++) {
    say(
      `round ${String(round)}/${String(ROUNDS)}: ${String(MANY)} connections, then 1, ${String(DURATION)} s each…`,
    );
    for (const connections of [MANY, 1]) {
      const line: string[] = [];
      for (const [name, url] of targets) {
        const before = cpuSeconds(pids.get(name));
        const result = await measureGet(url, token, connections, DURATION);
        rounds.get(name)?.[connections === 1 ? 'one' : 'many'].push(result);
        const used = cpu.get(name);
        if (used && connections === MANY) {
          used.seconds += cpuSeconds(pids.get(name)) - before;
          used.requests += result.rps * DURATION;
        }
        line.push(`${name} ${fmt(result.rps, 0)}/s`);
      }
      say(`  ${String(connections)} conn: ${line.join(', ')}`);
    }
  }
  // What the exporting gateway still holds goes out on SIGTERM; stopped here to count it all.
  running.splice(running.indexOf(exporting), 1);
  await exporting.stop();
  const results = Object.fromEntries(
    targets.map(([name]) => {
      const { many, one } = rounds.get(name) ?? { many: [], one: [] };
      return [name, { many: combine(many), one: combine(one) }];
    }),
  ) as Record<Name, { many: Measure; one: Measure }>;
  const base = results['tracing off'];
  const perRequest = (name: Name) => {
    const used = cpu.get(name) ?? { seconds: 0, requests: 1 };
    return (used.seconds / used.requests) * 1e6;
  };
  const rows: [string, string][] = [
    ['cores', String(availableParallelism())],
    ['load average', `${loadBefore} at the start, ${loadAverage()} at the end`],
    ...targets.map(([name]): [string, string] => {
      const { many, one } = results[name];
      const errors = many.non2xx + many.errors + one.non2xx + one.errors;
      return [
        name,
        `${fmt(many.rps, 0)} req/s (${fmt(many.rps / base.many.rps, 2)} × off), ` +
          `p50 ${String(many.p50)} ms, p99 ${String(many.p99)} ms` +
          ` | 1 conn: mean ${fmt(one.mean, 2)} ms (+${fmt(one.mean - base.one.mean, 2)})` +
          ` | CPU ${fmt(perRequest(name), 0)} µs/request (${fmt(perRequest(name) / perRequest('tracing off'), 2)} × off)` +
          (errors > 0 ? ` (errors and non-2xx: ${String(errors)})` : ''),
      ];
    }),
    [
      'exported',
      `${String(receiver.requests)} OTLP requests, ${fmt(receiver.bytes / 1024 / 1024, 1)} MiB`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  say(
    `\nbench/tracing (GET /user/profile through the gateway; medians of ${String(ROUNDS)} rounds of ${String(DURATION)} s)`,
  );
  say(rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n'));
} finally {
  await Promise.allSettled(running.map((service) => service.stop()));
  await receiver.close();
  await userDb.drop();
  await authDb.stop();
  await keys.remove();
}
