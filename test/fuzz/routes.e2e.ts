import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { signTestToken } from '@cloud-backend/shared/testing';
import { bearer } from '../../gateway/test/support/gateway.js';
import { exchangeBytes, send, type Answer } from '../../gateway/test/support/http.js';
import { casesFor, describeCase, type FuzzCase } from './support/cases.js';
import { collectRoutes, type FuzzRoute } from './support/routes.js';
import { closeConnections, sendRaw } from './support/send.js';
import { startSystem, type Sessions } from './support/system.js';
import { RouteStats, problemWith } from './support/verdict.js';

// FUZZ_RUNS cases per route (default below: thousands per route within the suite's budget on
// a 2-core machine); FUZZ_LANES routes at once; FUZZ_SEED replays a run; FUZZ_ROUTES (a
// regular expression) narrows the run to some routes while investigating.
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const LANES = Number(process.env.FUZZ_LANES ?? 4);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const ONLY = new RegExp(process.env.FUZZ_ROUTES ?? '');
if (!Number.isInteger(RUNS) || RUNS < 1 || !Number.isInteger(LANES) || LANES < 1) {
  throw new Error('FUZZ_RUNS and FUZZ_LANES must be positive integers');
}

// A token of the right shape signed with another key: the gateway must refuse it.
const FORGED = signTestToken({ role: 'admin' }, { secret: 'not-the-secret-but-32-bytes-long!!' });

const system = await startSystem();
const { routes: allRoutes, unreachable } = collectRoutes(system.publicDocument, system.documents);
const routes = allRoutes.filter((route) => ONLY.test(route.name));
const stats = new Map<string, RouteStats>();
const started = performance.now();

/** At most LANES routes fuzzed at once; each route sends its cases one after the other. */
let free = LANES;
const waiting: (() => void)[] = [];
async function inLane<T>(work: () => Promise<T>): Promise<T> {
  if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve));
  else free -= 1;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else free += 1;
  }
}

const isReset = (error: unknown) => (error as { code?: string }).code === 'ECONNRESET';

/**
 * Open finding: in a few full runs out of several, a GET carrying 200 KB of content (which no
 * route reads: Fastify never parses a GET body) was answered but the connection was reset
 * before the client had read the answer, twice in a row. Only that case is let through, as
 * unanswered and counted in the summary; any other reset fails the property.
 */
const mayGoUnanswered = (fuzz: FuzzCase) =>
  (fuzz.method === 'GET' || fuzz.method === 'HEAD') && (fuzz.body?.length ?? 0) >= 64 * 1024;

/** The case with its token; a reset connection is retried once (and counted, not hidden). */
async function sendCase(
  fuzz: FuzzCase,
  sessions: Sessions,
  stat: RouteStats,
): Promise<Answer | undefined> {
  const token =
    fuzz.token === 'admin' || fuzz.token === 'user'
      ? bearer(sessions[fuzz.token])
      : fuzz.token === 'forged'
        ? bearer(FORGED)
        : {};
  const request = { ...fuzz, headers: { ...fuzz.headers, ...token } };
  try {
    return await sendRaw(system.base, request);
  } catch (error) {
    if (!isReset(error)) throw error;
    stat.resets += 1;
  }
  try {
    return await sendRaw(system.base, request);
  } catch (error) {
    if (!isReset(error) || !mayGoUnanswered(fuzz)) throw error;
    stat.unanswered += 1;
    return undefined;
  }
}

/**
 * The gateway never forwards an /internal path: whatever the case, it must not get a success
 * from the service (a CORS preflight is answered by the gateway itself).
 */
function forwardedInternal(route: FuzzRoute, fuzz: FuzzCase, answer: Answer) {
  if (!route.internal || answer.status >= 400 || fuzz.method === 'OPTIONS') return undefined;
  return `an /internal path was forwarded (${String(answer.status)})`;
}

async function fuzzRoute(route: FuzzRoute): Promise<void> {
  const sessions = await system.newSessions();
  const stat = new RouteStats();
  stats.set(route.name, stat);
  const began = performance.now();
  try {
    await fc.assert(
      fc.asyncProperty(casesFor(route, system.fixtures), async (fuzz) => {
        const answer = await sendCase(fuzz, sessions, stat);
        if (answer === undefined) return;
        stat.record(answer, describeCase(fuzz));
        const problem = problemWith(answer, fuzz.method) ?? forwardedInternal(route, fuzz, answer);
        if (problem !== undefined) {
          throw new Error(
            `${problem}\n  ${describeCase(fuzz)}\n  -> ${String(answer.status)} ` +
              answer.text.slice(0, 500),
          );
        }
        // A case may log the session out or revoke it (logout, a role change): sign in again
        // so that the next cases still reach the route's handler.
        if (answer.status === 401 && (fuzz.token === 'admin' || fuzz.token === 'user')) {
          await system.renew(sessions, fuzz.token);
        }
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  } finally {
    stat.elapsedMs = performance.now() - began;
  }
}

async function ready(url: string): Promise<number> {
  return (await send(url, { path: '/health/ready' })).status;
}

afterAll(async () => {
  const seconds = (performance.now() - started) / 1000;
  const lines = [...stats.entries()].map(([name, stat]) => {
    const rate = stat.cases / (stat.elapsedMs / 1000);
    return `${name.padEnd(62)} ${String(stat.cases).padStart(6)} cases ${rate.toFixed(0).padStart(5)}/s  ${stat.histogram()}`;
  });
  if (process.env.FUZZ_SLOWEST) {
    for (const [name, stat] of stats) {
      console.log(
        `${name}: slowest ${stat.slowest.ms.toFixed(0)} ms ${stat.slowest.request.slice(0, 200)}`,
      );
    }
  }
  const total = [...stats.values()].reduce((sum, stat) => sum + stat.cases, 0);
  console.log(
    [
      `fuzz: ${String(stats.size)} routes, ${String(total)} cases in ${seconds.toFixed(0)} s ` +
        `(FUZZ_RUNS=${String(RUNS)}, FUZZ_LANES=${String(LANES)})`,
      ...lines,
      `not reachable through the gateway (not fuzzed): ${unreachable.join(', ') || 'none'}`,
    ].join('\n'),
  );
  closeConnections();
  await system.close();
});

/** The last HTTP answer in a byte stream: status, lower-cased head and body. */
function lastAnswer(bytes: string) {
  const answer = bytes.slice(bytes.lastIndexOf('HTTP/1.1 '));
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), head: head.toLowerCase(), body };
}

// What earlier runs found, replayed as they were found so that they stay fixed whatever the
// random cases of a run turn out to be.
describe('what the fuzzer found', () => {
  it('answers a login identifier cut inside a surrogate pair with 401, not 500', async () => {
    const body = JSON.stringify({ email: '🙂'.repeat(200), password: 'x' });
    const answer = await sendRaw(system.base, {
      method: 'POST',
      path: '/auth/login',
      headers: { 'content-type': 'application/json' },
      body,
      chunked: false,
    });
    expect(answer.status, answer.text).toBe(401);
    expect(answer.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('answers bytes it cannot parse as HTTP with a JSON error that has a code', async () => {
    // A GET whose body has no Content-Length: the body is read as the next request.
    const unframed = lastAnswer(
      await exchangeBytes(system.base, 'GET /auth/health HTTP/1.1\r\nHost: x\r\n\r\n{"a":1}'),
    );
    expect(unframed.status).toBe(400);
    expect(JSON.parse(unframed.body)).toMatchObject({ code: 'INVALID_METHOD' });
    const long = lastAnswer(
      await exchangeBytes(
        system.base,
        `GET /auth/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      ),
    );
    expect(long.status).toBe(431);
    expect(JSON.parse(long.body)).toEqual({
      error: 'Request Header Fields Too Large',
      code: 'HEADERS_TOO_LARGE',
    });
  });

  it('closes the connection when the client asks, whatever the upstream said', async () => {
    const bytes = await exchangeBytes(
      system.base,
      'GET /auth/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    const answer = lastAnswer(bytes);
    expect(answer.status).toBe(200);
    expect(answer.head).toContain('connection: close');
  });
});

describe('every route of every service, through the gateway', () => {
  it('finds the routes in the services’ own schemas', () => {
    const names = allRoutes.map((route) => route.name);
    // A sample from each service: if discovery broke, these would be missing.
    expect(names).toEqual(
      expect.arrayContaining([
        'auth-service POST /register',
        'user-service POST /qr/scan',
        'social-log-service POST /api/social/log',
        'dashboard-api GET /api/dashboard/insights',
      ]),
    );
  });

  it.concurrent.for(routes.map((route) => [route.name, route] as const))(
    'never answers 5xx or a non-JSON error: %s',
    async ([, route]) => {
      await inLane(() => fuzzRoute(route));
    },
  );

  it('leaves every service and the gateway ready', async () => {
    expect(await ready(system.base)).toBe(200);
    for (const url of Object.values(system.services.env)) expect(await ready(url)).toBe(200);
    const health = await send(system.base, { path: '/health' });
    expect(health.json()).toMatchObject({
      upstreams: {
        'auth-service': 'up',
        'user-service': 'up',
        'social-log-service': 'up',
        'dashboard-api': 'up',
      },
    });
  });
});
