import autocannon from 'autocannon';
import bcrypt from 'bcrypt';
import { availableParallelism, loadavg } from 'node:os';

/** One autocannon measurement (an https URL is fine: the certificate is not checked). */
export interface Measure {
  rps: number;
  p50: number;
  p99: number;
  /** Mean round trip, ms. */
  mean: number;
  non2xx: number;
  errors: number;
}

export const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

/** The median of each figure over rounds; failures are summed. */
export function combine(rounds: Measure[]): Measure {
  const of = (key: keyof Measure) => rounds.map((round) => round[key]);
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return {
    rps: median(of('rps')),
    p50: median(of('p50')),
    p99: median(of('p99')),
    mean: median(of('mean')),
    non2xx: sum(of('non2xx')),
    errors: sum(of('errors')),
  };
}

function toMeasure(result: autocannon.Result, connections: number): Measure {
  const rps = result['2xx'] / result.duration;
  return {
    rps,
    p50: result.latency.p50,
    p99: result.latency.p99,
    // autocannon's histogram keeps whole milliseconds; over one connection, one request at a
    // time, the mean round trip is exactly the inverse of the rate.
    mean: connections === 1 ? 1000 / rps : result.latency.mean,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Authenticated GETs of `url` over `connections` kept-alive connections for `seconds`. */
export async function measureGet(
  url: string,
  token: string,
  connections: number,
  seconds: number,
): Promise<Measure> {
  return toMeasure(
    await autocannon({
      url,
      connections,
      duration: seconds,
      headers: { authorization: `Bearer ${token}` },
    }),
    connections,
  );
}

/** POST /login at `url` with correct passwords, the accounts taken in turn. */
export async function measureLogin(
  url: string,
  emails: string[],
  password: string,
  connections: number,
  seconds: number,
): Promise<Measure> {
  let next = 0;
  return toMeasure(
    await autocannon({
      url,
      method: 'POST',
      connections,
      duration: seconds,
      headers: { 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({ email: emails[next++ % emails.length], password }),
          }),
        },
      ],
    }),
    connections,
  );
}

/**
 * bcrypt comparisons per second at `cost` with every core busy, through the native library
 * and thread pool auth-service uses (bench/login.ts measures the same way).
 */
export async function bcryptLimit(cost: number, password: string, seconds: number) {
  const hash = await bcrypt.hash(password, cost);
  // libuv's pool has 4 threads by default: keep it full so every core is busy.
  const parallel = Math.max(4, availableParallelism());
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (performance.now() < deadline) {
        await bcrypt.compare(password, hash);
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

/** "1 234 req/s, p50 4 ms, p99 9 ms" and any failures. */
export function formatMeasure(m: Measure, unit = 'req/s'): string {
  const failures = m.non2xx + m.errors;
  return (
    `${m.rps.toFixed(m.rps < 100 ? 1 : 0)} ${unit}, p50 ${String(m.p50)} ms, p99 ${String(m.p99)} ms` +
    (failures > 0 ? ` (non-2xx ${String(m.non2xx)}, errors ${String(m.errors)})` : '')
  );
}
