/**
 * Login throughput against the bcrypt limit of this machine, measured in the same run:
 *
 *   npm run bench:login            (BENCH_DURATION=15 BENCH_CONNECTIONS=8 BCRYPT_COST=12)
 *
 * 1. the limit: bcrypt comparisons per second at BCRYPT_COST with every core busy (through
 *    the same native library and thread pool the service uses), before and after the load;
 * 2. the service: auth-service on a real PostgreSQL, POST /login with correct passwords from
 *    autocannon, and the service's own event-loop delay p99 over the load window.
 * Goals (issue: auth-service): logins/s ≥ 0.9 × the limit, event-loop p99 < 50 ms.
 */
import autocannon from 'autocannon';
import { availableParallelism } from 'node:os';
import { freePort } from '@cloud-backend/shared/dev';
import { bcryptLimit } from './lib/measure.js';
import { benchDatabase } from './lib/postgres.js';
import { scrape, startService } from './lib/service.js';
import { benchSigningKeys } from './lib/signing-keys.js';

const COST = Number(process.env.BCRYPT_COST ?? 12);
const DURATION = Number(process.env.BENCH_DURATION ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const USERS = 20;
const PASSWORD = 'benchmark password';

const fmt = (n: number, digits = 1) => n.toFixed(digits);

const db = await benchDatabase('bench_auth');
const port = await freePort();
const keys = await benchSigningKeys();
const service = await startService('auth-service/src/server.ts', port, {
  DATABASE_URL: db.url,
  // Each login signs an access token with auth-service's key, as in production.
  ...keys.authEnv,
  BCRYPT_COST: String(COST),
  // Every login here is correct; no lockout or rate limit is involved.
  DATABASE_POOL_MAX: '10',
});

try {
  const emails = Array.from({ length: USERS }, (_, i) => `bench${String(i)}@example.com`);
  for (const email of emails) {
    const response = await fetch(`${service.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, name: 'Bench', surname: 'User', password: PASSWORD }),
    });
    if (response.status !== 201) throw new Error(`register: ${String(response.status)}`);
  }

  process.stdout.write(`bcrypt limit at cost ${String(COST)} (${String(DURATION / 2)} s)…\n`);
  const limitBefore = await bcryptLimit(COST, PASSWORD, DURATION / 2);

  const LOOP = ['nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds'];
  await scrape(service.url, LOOP); // starts a new event-loop window
  process.stdout.write(`POST /login, ${String(CONNECTIONS)} connections, ${String(DURATION)} s…\n`);
  let next = 0;
  const result = await autocannon({
    url: `${service.url}/login`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({ email: emails[next++ % USERS], password: PASSWORD }),
        }),
      },
    ],
  });
  const loop = await scrape(service.url, LOOP);
  const loopP99 = loop.nodejs_eventloop_lag_p99_seconds ?? NaN;
  const loopMax = loop.nodejs_eventloop_lag_max_seconds ?? NaN;

  const limitAfter = await bcryptLimit(COST, PASSWORD, DURATION / 2);
  const limit = (limitBefore + limitAfter) / 2;
  const seconds = result.duration;
  const ok = result['2xx'] / seconds;
  const ratio = ok / limit;

  const rows: [string, string][] = [
    ['cores', String(availableParallelism())],
    [
      `bcrypt limit (cost ${String(COST)})`,
      `${fmt(limitBefore)} before, ${fmt(limitAfter)} after → ${fmt(limit)} hashes/s`,
    ],
    ['logins (200)', `${fmt(ok)} /s (${String(result['2xx'])} in ${fmt(seconds)} s)`],
    [
      'non-2xx / errors / timeouts',
      `${String(result.non2xx)} / ${String(result.errors)} / ${String(result.timeouts)}`,
    ],
    ['latency p50 / p99', `${String(result.latency.p50)} ms / ${String(result.latency.p99)} ms`],
    ['ratio to the limit', `${fmt(ratio, 3)} (goal ≥ 0.9) ${ratio >= 0.9 ? 'met' : 'MISSED'}`],
    [
      'event-loop delay p99 / max',
      `${fmt(loopP99 * 1000)} ms / ${fmt(loopMax * 1000)} ms (goal p99 < 50 ms) ${loopP99 < 0.05 ? 'met' : 'MISSED'}`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(
    `\nbench/login\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n`,
  );
} finally {
  await service.stop();
  await db.stop();
  await keys.remove();
}
