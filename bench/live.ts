/**
 * The live check-in view under the lecture-hall burst, and the same burst without it, in one run:
 *
 *   npm run bench:live   (BENCH_USERS=1000, BENCH_WINDOW=15 seconds, BENCH_ROUNDS=2)
 *
 * Two user-service replicas on one database, each behind its own gateway, both gateways in
 * nginx's upstream block (the production configuration and TLS, bench/lib/nginx.ts): nginx
 * sends each new connection to the next gateway, so the scans are spread over both replicas
 * (each replica's qr_scans_total says how), and the admin's stream (GET
 * /user/qr/admin/events/:id/live, over HTTPS through the same nginx and gateways) is held by one
 * of them. Half of the check-ins therefore reach the stream through PostgreSQL's NOTIFY from
 * the other replica (user-service/README.md, live check-ins).
 *
 * Each burst: 1 000 never-seen users scan a new event at random moments over BENCH_WINDOW s,
 * each on a new TLS connection (bench/checkin.ts's lecture hall). Three bursts a round: the
 * stream open, where for every check-in the time from its scan being sent, and from its
 * answer, to its message arriving on the stream is taken; no stream (scan latency only); and
 * no stream with the live trigger disabled, as before live check-ins existed. Rounds reverse
 * the order (stream, none, off; off, none, stream; …) so that none always gets the warmer
 * machine. Every accepted scan must arrive on the stream exactly once, in order, and each
 * burst must record 1 000 rows, no duplicates.
 * Goal: p95 from scan sent to stream < 500 ms (docs/PERFORMANCE.md).
 */
import { availableParallelism } from 'node:os';
import pg from 'pg';
import { cpuByChild } from './lib/cpu.js';
import { burst, formatStatuses, percentile, type ScanTiming } from './lib/burst.js';
import { openLiveStream, type LiveStream } from './lib/live-stream.js';
import { loadAverage, median } from './lib/measure.js';
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
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const GOAL_MS = 500;
/** How long the stream may take, after the burst, to deliver what is still missing. */
const DRAIN_MS = 30_000;

/**
 * The bursts of a round: the stream open; no stream (the trigger still numbers and announces
 * every change); and the live trigger disabled, as before live check-ins existed, which is what
 * the live machinery costs a check-in when nobody watches.
 */
const MODES = ['stream', 'none', 'off'] as const;
type Mode = (typeof MODES)[number];
const LABELS: Record<Mode, string> = {
  stream: 'stream open',
  none: 'no stream',
  off: 'no trigger',
};

/** The parts of the stack whose CPU time per check-in is reported (bench/lib/cpu.ts). */
const PARTS = ['user-services', 'gateways', 'nginx', 'PostgreSQL', 'auth-service'] as const;
type Part = (typeof PARTS)[number];

/** Turns user-service's live trigger (migration 1732000000010) off or on again. */
async function liveTrigger(databaseUrl: string, action: 'DISABLE' | 'ENABLE'): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`ALTER TABLE attendance ${action} TRIGGER attendance_live_change`);
  } finally {
    await client.end();
  }
}

const say = (text: string) => process.stdout.write(`${text}\n`);
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : '–');

/** The user id an access token carries (its payload's user_id claim). */
function userIdOf(token: string): number {
  const payload = JSON.parse(
    Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
  ) as { user_id: number };
  return payload.user_id;
}

/** The sum of the samples of `/metrics` at `url` whose line starts with `prefix` and holds `part`. */
async function metricSum(url: string, prefix: string, part: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(prefix) && line.includes(part)) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

interface Spread {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

const formatSpread = (s: Spread) =>
  `${ms(s.p50).padStart(7)} ${ms(s.p95).padStart(8)} ${ms(s.p99).padStart(8)} ${ms(s.max).padStart(8)}`;

/** What the stream delivered against what was accepted: every check-in once, in order. */
interface Delivery {
  fromSend: Spread;
  fromAnswer: Spread;
  expected: number;
  arrived: number;
  lost: number;
  duplicates: number;
  unexpected: number;
  outOfOrder: number;
}

function delivery(stream: LiveStream, scans: Map<number, ScanTiming>): Delivery {
  const accepted = new Map([...scans].filter(([, scan]) => scan.status === 201));
  const seen = new Set<number>();
  const fromSend: number[] = [];
  const fromAnswer: number[] = [];
  let duplicates = 0;
  let unexpected = 0;
  let outOfOrder = 0;
  let lastSeq = 0;
  for (const arrival of stream.arrivals) {
    if (arrival.seq <= lastSeq) outOfOrder++;
    lastSeq = Math.max(lastSeq, arrival.seq);
    if (seen.has(arrival.userId)) {
      duplicates++;
      continue;
    }
    seen.add(arrival.userId);
    const scan = accepted.get(arrival.userId);
    if (!scan) {
      unexpected++;
      continue;
    }
    fromSend.push(arrival.at - scan.sentAt);
    fromAnswer.push(arrival.at - scan.answeredAt);
  }
  return {
    fromSend: spread(fromSend),
    fromAnswer: spread(fromAnswer),
    expected: accepted.size,
    arrived: stream.arrivals.length,
    lost: [...accepted.keys()].filter((id) => !seen.has(id)).length,
    duplicates,
    unexpected,
    outOfOrder,
  };
}

say(`load average at start: ${loadAverage()} (${String(availableParallelism())} cores)`);
say('starting PostgreSQL, auth-service, 2 user-services, 2 gateways and nginx…');
const stack = await startStack({ bcryptCost: 4 });
let nginx: RunningNginx | undefined;
try {
  const user2 = await stack.startUser('user-service-2');
  const replicas = [stack.user.url, user2.url];
  /** Per replica, `prefix…part` samples: where nginx and the gateways sent the requests. */
  const perReplica = (prefix: string, part: string) =>
    Promise.all(replicas.map((url) => metricSum(url, prefix, part)));
  const [gateway1, gateway2] = await Promise.all([
    stack.startGateway('gateway-1'),
    stack.startGateway('gateway-2', { USER_SERVICE_URL: user2.url }),
  ]);
  nginx = await startNginx([gateway1, gateway2].map((g) => g.url.replace('http://', '')));
  const admin = await login(stack.auth.url, ADMIN.email, ADMIN.password);
  const generate = `${gateway1.url}/user/qr/admin/generate`;
  const scanUrl = `${nginx.url}/user/qr/scan`;

  say(`registering and logging in ${String(USERS * ROUNDS * MODES.length + 200)} accounts…`);
  const started = performance.now();
  const warmUsers = await createAttendees(stack.auth.url, 'warm', 200);
  const sets: string[][] = [];
  for (let i = 0; i < ROUNDS * MODES.length; i++) {
    sets.push(await createAttendees(stack.auth.url, `set${String(i)}`, USERS));
  }
  say(`  done in ${((performance.now() - started) / 1000).toFixed(0)} s`);

  // JIT, pools, nginx's upstream connections and the live path warm up on 100 scans each.
  for (const [i, withStream] of [true, false].entries()) {
    const event = await createEvent(generate, admin, `Warm-up ${String(i)}`);
    const stream = withStream ? openLiveStream(nginx.url, event.eventId, admin) : undefined;
    await stream?.ready;
    await burst(scanUrl, warmUsers.slice(i * 100, i * 100 + 100), event.body, {
      kind: 'clients',
      clients: 10,
    });
    await stream?.waitFor(100, DRAIN_MS);
    stream?.close();
  }

  const rows: string[] = [];
  const scanP95: Record<Mode, number[]> = { stream: [], none: [], off: [] };
  const scanP50: Record<Mode, number[]> = { stream: [], none: [], off: [] };
  const streamP95: number[] = [];
  const cpu: Record<Mode, number[]> = { stream: [], none: [], off: [] };
  // Which part of the stack each child process of this one is.
  const parts = new Map<number | undefined, Part>([
    [stack.user.child.pid, 'user-services'],
    [user2.child.pid, 'user-services'],
    [gateway1.child.pid, 'gateways'],
    [gateway2.child.pid, 'gateways'],
    [stack.auth.child.pid, 'auth-service'],
    [nginx.pid, 'nginx'],
  ]);
  // Anything else this process started is the embedded PostgreSQL.
  const partOf = (pid: number): Part => parts.get(pid) ?? 'PostgreSQL';
  let allDelivered = true;
  let allRecorded = true;
  let set = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? MODES : [...MODES].reverse();
    for (const mode of order) {
      const tokens = sets[set++] ?? [];
      const event = await createEvent(generate, admin, `Live ${String(round)} ${mode}`);
      const stream =
        mode === 'stream' ? openLiveStream(nginx.url, event.eventId, admin) : undefined;
      await stream?.ready;
      if (mode === 'off') await liveTrigger(stack.userDb, 'DISABLE');
      const scans = new Map<number, ScanTiming>();
      say(`round ${String(round)}, ${LABELS[mode]} (load ${loadAverage()})…`);
      const cpuBefore = cpuByChild(partOf);
      const result = await burst(
        scanUrl,
        tokens,
        event.body,
        { kind: 'open', seconds: WINDOW },
        (timing) => scans.set(userIdOf(timing.token), timing),
      );
      const accepted = [...scans.values()].filter((scan) => scan.status === 201).length;
      // The stream's work ends when its last message is out.
      await stream?.waitFor(accepted, DRAIN_MS);
      stream?.close();
      const cpuAfter = cpuByChild(partOf);
      if (mode === 'off') await liveTrigger(stack.userDb, 'ENABLE');
      const { recorded, duplicates } = await countAttendance(stack.userDb, event.eventId);
      allRecorded &&= recorded === USERS && duplicates === 0;
      const spreadOver = (await perReplica('qr_scans_total{', `event_id="${event.eventId}"`)).join(
        ' / ',
      );
      scanP95[mode].push(result.p95);
      scanP50[mode].push(result.p50);
      const perCheckIn = PARTS.map(
        (part) => (((cpuAfter.get(part) ?? 0) - (cpuBefore.get(part) ?? 0)) * 1000) / accepted,
      );
      const total = perCheckIn.reduce((sum, value) => sum + value, 0);
      cpu[mode].push(total);
      const lines = [
        `${LABELS[mode].padEnd(12)} ${'scan answered'.padEnd(26)}` +
          `${formatSpread(result)}  ${formatStatuses(result.statuses)}, ` +
          `recorded ${String(recorded)}, duplicates ${String(duplicates)}; ` +
          `scans on replica 1 / 2: ${spreadOver}`,
      ];
      if (stream) {
        const d = delivery(stream, scans);
        streamP95.push(d.fromSend.p95);
        allDelivered &&=
          d.lost === 0 && d.duplicates === 0 && d.unexpected === 0 && d.outOfOrder === 0;
        lines.push(
          `${''.padEnd(12)} ${'on stream, from scan sent'.padEnd(26)}${formatSpread(d.fromSend)}`,
          `${''.padEnd(12)} ${'on stream, from answer'.padEnd(26)}${formatSpread(d.fromAnswer)}`,
          `${''.padEnd(12)} stream: ${String(d.arrived)} messages for ${String(d.expected)} ` +
            `check-ins; lost ${String(d.lost)}, duplicates ${String(d.duplicates)}, ` +
            `unexpected ${String(d.unexpected)}, out of order ${String(d.outOfOrder)}`,
        );
      }
      lines.push(
        `${''.padEnd(12)} CPU per check-in: ${total.toFixed(1)} ms (` +
          PARTS.map((part, i) => `${part} ${(perCheckIn[i] ?? 0).toFixed(1)}`).join(', ') +
          ')',
      );
      for (const line of lines) {
        say(`  ${line}`);
        rows.push(`  round ${String(round)} ${line}`);
      }
    }
  }

  const ratio = (key: 'p50' | 'p95', over: Mode, under: Mode) => {
    const of = key === 'p50' ? scanP50 : scanP95;
    return (median(of[over]) / median(of[under])).toFixed(2);
  };
  const goal = median(streamP95);
  say(
    `\nbench/live (${String(USERS)} never-seen users per burst over ${String(WINDOW)} s, ` +
      `2 user-service replicas behind 2 gateways and nginx; load ${loadAverage()})`,
  );
  say(
    `  ${''.padEnd(8)}${''.padEnd(12)} ${''.padEnd(26)}${'p50'.padStart(7)} ${'p95'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}`,
  );
  say(rows.join('\n'));
  say(
    `  scan latency, medians of ${String(ROUNDS)} rounds: stream open / no stream ` +
      `p50 ${ratio('p50', 'stream', 'none')}, p95 ${ratio('p95', 'stream', 'none')}; ` +
      `no stream / no trigger p50 ${ratio('p50', 'none', 'off')}, p95 ${ratio('p95', 'none', 'off')}`,
  );
  const cpuOf = (mode: Mode) => median(cpu[mode]);
  say(
    `  CPU per check-in, medians: stream open ${cpuOf('stream').toFixed(1)} ms, no stream ` +
      `${cpuOf('none').toFixed(1)} ms, no trigger ${cpuOf('off').toFixed(1)} ms ` +
      `(stream open / no stream ${(cpuOf('stream') / cpuOf('none')).toFixed(2)}, ` +
      `no stream / no trigger ${(cpuOf('none') / cpuOf('off')).toFixed(2)})`,
  );
  say(
    `  goal: p95 from scan to stream < ${String(GOAL_MS)} ms: ${ms(goal)} ` +
      `${goal < GOAL_MS ? 'met' : 'MISSED'} (median of the rounds); every check-in on the ` +
      `stream once, in order: ${allDelivered ? 'yes' : 'NO'}; every burst recorded ` +
      `${String(USERS)}, no duplicates: ${allRecorded ? 'yes' : 'NO'}`,
  );
  const edgeErrors = nginx.errors();
  if (edgeErrors.length > 0) say(`  nginx error.log: ${edgeErrors.join('; ')}`);
  if (!allDelivered || !allRecorded) process.exitCode = 1;
} finally {
  await nginx?.stop();
  await stack.stop();
}
