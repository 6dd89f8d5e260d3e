/**
 * Before/after of a change to the check-in path, side by side in one run:
 *
 *   BASELINE_DIR=/tmp/baseline/user-service \
 *     node --conditions=@cloud-backend/source --import tsx user-service/bench/compare.ts
 *
 * BASELINE_DIR is a copy of user-service (src/, migrations/, package.json) at the version to
 * compare with, placed where it resolves this repository's packages (a node_modules symlink
 * next to it); it must verify access tokens with JWKS_URL (a version from before the switch to
 * signing keys knows only HS256 and refuses the stack's tokens). Both versions run as their own processes, each on its own database of one
 * PostgreSQL, configured as in production (AUTH_DATABASE_URL set), and take turns on the same
 * bursts, straight over HTTP, or with BENCH_EDGE=1 through a gateway and nginx of their own
 * (HTTPS, a new connection per scan, as bench/checkin.ts):
 * - the lecture hall, BENCH_USERS (1 000) never-seen users at random over BENCH_WINDOW (15) s;
 * - the same number through 50 concurrent clients;
 * - known users: a set that scanned before, more than 30 s ago (the sync cache has expired),
 *   through 50 clients — the usual case in a real lecture hall.
 * BENCH_ROUNDS (2) rounds; each line is one burst.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { burst, describeArrival, formatStatuses, type Arrival } from '../../bench/lib/burst.js';
import { startNginx, type RunningNginx } from '../../bench/lib/nginx.js';
import {
  ADMIN,
  countAttendance,
  createAttendees,
  createEvent,
  login,
  startStack,
} from '../../bench/lib/stack.js';

const BASELINE = process.env.BASELINE_DIR;
if (!BASELINE) throw new Error('BASELINE_DIR: a copy of user-service at the version to compare');
const USERS = Number(process.env.BENCH_USERS ?? 1000);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 15);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CACHE_MS = 31_000;
const EDGE = process.env.BENCH_EDGE === '1';

const say = (text: string) => process.stdout.write(`${text}\n`);
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

say(`load average at start: ${load()}`);
const stack = await startStack({ bcryptCost: 4 });
const edges: RunningNginx[] = [];
try {
  const before = await stack.startExtra('user-service-before', join(BASELINE, 'src/server.ts'), {
    AUTH_DATABASE_URL: stack.authDb,
  });
  const variants = [
    { name: 'before', url: before.service.url, db: before.databaseUrl, scan: '' },
    { name: 'after', url: stack.user.url, db: stack.userDb, scan: '' },
  ];
  for (const variant of variants) {
    variant.scan = `${variant.url}/qr/scan`;
    if (!EDGE) continue;
    const gateway = await stack.startGateway(`gateway-${variant.name}`, {
      USER_SERVICE_URL: variant.url,
    });
    const edge = await startNginx([gateway.url.replace('http://', '')]);
    edges.push(edge);
    variant.scan = `${edge.url}/user/qr/scan`;
  }

  const admin = await login(stack.auth.url, ADMIN.email, ADMIN.password);
  say(`registering and logging in ${String(USERS * 2 * ROUNDS + 100)} accounts…`);
  const warm = await createAttendees(stack.auth.url, 'warm', 100);
  const sets: string[][] = [];
  for (let i = 0; i < 2 * ROUNDS; i++) {
    sets.push(await createAttendees(stack.auth.url, `set${String(i)}`, USERS));
  }
  for (const variant of variants) {
    const event = await createEvent(`${variant.url}/qr/admin/generate`, admin, 'Warm-up');
    await burst(variant.scan, warm, event.body, { kind: 'clients', clients: 10 });
  }

  let lastUse = 0;
  let events = 0;
  const run = async (label: string, tokens: string[], arrival: Arrival) => {
    say(`${label}: ${describeArrival(arrival, tokens.length)} (load ${load()})`);
    // Turns alternate, so neither version always runs second (after the other's load).
    const order = events % 4 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const event = await createEvent(
        `${variant.url}/qr/admin/generate`,
        admin,
        `${label} ${String(++events)}`,
      );
      const result = await burst(variant.scan, tokens, event.body, arrival);
      const counted = await countAttendance(variant.db, event.eventId);
      say(
        `  ${variant.name.padEnd(6)} p50 ${result.p50.toFixed(0)} ms, p95 ${result.p95.toFixed(0)} ms, ` +
          `p99 ${result.p99.toFixed(0)} ms, ${result.rate.toFixed(0)}/s; ` +
          `${formatStatuses(result.statuses)}; recorded ${String(counted.recorded)}, ` +
          `duplicates ${String(counted.duplicates)}`,
      );
    }
    lastUse = performance.now();
  };
  for (let round = 0; round < ROUNDS; round++) {
    await run('new users', sets[2 * round] ?? [], { kind: 'open', seconds: WINDOW });
    await run('new users', sets[2 * round + 1] ?? [], { kind: 'clients', clients: 50 });
  }
  const wait = CACHE_MS - (performance.now() - lastUse);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  for (let round = 0; round < ROUNDS; round++) {
    await run('known users', sets[2 * round + 1] ?? [], { kind: 'clients', clients: 50 });
  }
} finally {
  await Promise.allSettled(edges.map((edge) => edge.stop()));
  await stack.stop();
}
