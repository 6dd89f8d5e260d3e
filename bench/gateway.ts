/**
 * What the gateway costs on an authenticated light GET, measured side by side in one run:
 *
 *   npm run bench:gateway          (BENCH_DURATION=5 seconds per measurement, BENCH_ROUNDS=5)
 *
 * GET /user/profile (JWT verified, JSON from user-service) three ways, each a separate process
 * on a real port: directly to user-service; through a bare proxy hop (bench/lib/bare-proxy.ts:
 * Fastify + @fastify/jwt + @fastify/http-proxy and nothing else, the floor of a Node hop);
 * and through the real gateway (logging, metrics, CORS, helmet, rate limit, revocation check,
 * identity headers). At 50 connections: requests/s, p50, p99; at 1 connection: mean latency.
 * The targets take turns over BENCH_ROUNDS rounds (default 5); figures are medians.
 * Goals (issue: gateway): gateway ≥ 0.9 × the bare hop's throughput, and ≤ 1 ms mean latency
 * added over direct at 1 connection. On one 2-core machine a hop cannot reach more than about
 * half the direct throughput (two servers share the cores), so that ratio is reported only.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { freePort } from '@cloud-backend/shared/dev';
import { combine, measureGet, type Measure } from './lib/measure.js';
import { benchDatabase } from './lib/postgres.js';
import { startService, type RunningService } from './lib/service.js';
import { benchSigningKeys } from './lib/signing-keys.js';
import { siblingDatabase } from './lib/sibling-database.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
// The machine is shared: the three targets take turns, round after round, and each figure is
// the median of its rounds, so a burst of someone else's load does not land on one target only.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = 2;
const MANY = 50;

const fmt = (n: number, digits = 1) => n.toFixed(digits);

const say = (text: string) => process.stdout.write(`${text}\n`);

const authDb = await benchDatabase('bench_gateway_auth');
const userDb = await siblingDatabase(authDb.url, 'bench_gateway_user');
const keys = await benchSigningKeys();
const internalToken = randomBytes(32).toString('hex');
const [authPort, userPort, barePort, gatewayPort, nobodyPort] = await Promise.all(
  Array.from({ length: 5 }, () => freePort()),
);
const nobody = `http://127.0.0.1:${String(nobodyPort)}`;
// Access tokens as in production: auth-service signs, the others verify with its published set.
const jwksUrl = keys.jwksUrl(`http://127.0.0.1:${String(authPort)}`);
const running: RunningService[] = [];

/** Starts a service and remembers it, so that a failure later still stops it. */
async function start(entry: string, port: number | undefined, env: Record<string, string>) {
  const service = await startService(entry, port ?? 0, env);
  running.push(service);
  return service;
}

try {
  say('starting auth-service, user-service, the bare hop and the gateway…');
  const [auth, user] = await Promise.all([
    start('auth-service/src/server.ts', authPort, {
      DATABASE_URL: authDb.url,
      ...keys.authEnv,
      INTERNAL_API_TOKEN: internalToken,
      BCRYPT_COST: '4',
    }),
    start('user-service/src/server.ts', userPort, {
      DATABASE_URL: userDb.url,
      JWT_SECRET: randomBytes(32).toString('hex'),
      JWKS_URL: jwksUrl,
    }),
  ]);
  const [bare, gateway] = await Promise.all([
    start('bench/lib/bare-proxy.ts', barePort, {
      JWKS_URL: jwksUrl,
      UPSTREAM_URL: user.url,
    }),
    start('gateway/src/server.ts', gatewayPort, {
      JWKS_URL: jwksUrl,
      INTERNAL_API_TOKEN: internalToken,
      AUTH_SERVICE_URL: auth.url,
      USER_SERVICE_URL: user.url,
      // Not on this path: the gateway needs their URLs, nothing listens there.
      SOCIAL_LOG_SERVICE_URL: nobody,
      DASHBOARD_API_URL: nobody,
      // The benchmark is one client: the per-IP limit would stop it at once.
      RATE_LIMIT_GLOBAL_MAX: '1000000000',
    }),
  ]);

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
    ['direct', `${user.url}/profile`],
    ['bare hop', `${bare.url}/user/profile`],
    ['gateway', `${gateway.url}/user/profile`],
  ] as const;
  for (const [name, url] of targets) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`${name}: ${String(response.status)}`);
  }

  type Name = (typeof targets)[number][0];
  const rounds = new Map<Name, { many: Measure[]; one: Measure[] }>(
    targets.map(([name]) => [name, { many: [], one: [] }]),
  );
  for (const [, url] of targets) await measureGet(url, token, MANY, WARMUP);
  for (let round = 1; round <= ROUNDS; round++) {
    say(
      `round ${String(round)}/${String(ROUNDS)}: ${String(MANY)} connections, then 1, ${String(DURATION)} s each…`,
    );
    for (const connections of [MANY, 1]) {
      const line: string[] = [];
      for (const [name, url] of targets) {
        const result = await measureGet(url, token, connections, DURATION);
        rounds.get(name)?.[connections === 1 ? 'one' : 'many'].push(result);
        line.push(`${name} ${fmt(result.rps, 0)}/s`);
      }
      say(`  ${String(connections)} conn: ${line.join(', ')}`);
    }
  }
  const results = Object.fromEntries(
    targets.map(([name]) => {
      const { many, one } = rounds.get(name) ?? { many: [], one: [] };
      return [name, { many: combine(many), one: combine(one) }];
    }),
  ) as Record<Name, { many: Measure; one: Measure }>;

  const { direct, gateway: real } = results;
  const hop = results['bare hop'];
  const throughputRatio = real.many.rps / hop.many.rps;
  const added = real.one.mean - direct.one.mean;
  const rows: [string, string][] = [
    ['cores', String(availableParallelism())],
    ...targets.map(([name]): [string, string] => {
      const { many, one } = results[name];
      return [
        name,
        `${fmt(many.rps, 0)} req/s, p50 ${String(many.p50)} ms, p99 ${String(many.p99)} ms` +
          ` | 1 conn: mean ${fmt(one.mean, 2)} ms` +
          (many.non2xx + many.errors + one.non2xx + one.errors > 0
            ? ` (non-2xx ${String(many.non2xx + one.non2xx)}, errors ${String(many.errors + one.errors)})`
            : ''),
      ];
    }),
    [
      'bare hop / direct',
      `${fmt(hop.many.rps / direct.many.rps, 2)} (reported; ≤ ~0.5 on 2 cores)`,
    ],
    ['gateway / direct', fmt(real.many.rps / direct.many.rps, 2)],
    [
      'gateway / bare hop',
      `${fmt(throughputRatio, 2)} (goal ≥ 0.9) ${throughputRatio >= 0.9 ? 'met' : 'MISSED'}`,
    ],
    ['bare hop adds (1 conn)', `${fmt(hop.one.mean - direct.one.mean, 2)} ms mean`],
    [
      'gateway adds (1 conn)',
      `${fmt(added, 2)} ms mean (goal ≤ 1 ms) ${added <= 1 ? 'met' : 'MISSED'}`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  say(
    `\nbench/gateway (GET /user/profile; medians of ${String(ROUNDS)} rounds of ${String(DURATION)} s)`,
  );
  say(rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n'));
} finally {
  await Promise.allSettled(running.map((service) => service.stop()));
  await userDb.drop();
  await authDb.stop();
  await keys.remove();
}
