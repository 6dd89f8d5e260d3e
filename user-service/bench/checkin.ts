// bench/checkin: 1 000 distinct users check in to one event in one burst, through the service
// over HTTP, then the same burst again (all must be refused), then a bare INSERT burst on the
// same database as the reference. Run: npm run bench:checkin -w user-service
// BENCH_USERS sets the burst size; BENCH_DATABASE_URL (a superuser URL) replaces the embedded
// server.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig, runMigrations } from '@cloud-backend/shared';
import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { benchDatabase } from '../../bench/lib/postgres.js';
// The tests' signing key and its key set server: this measures scans, not key handling.
import { signTestToken, startTestJwksServer } from '../../shared/src/testing/tokens.js';

const USERS = Number(process.env.BENCH_USERS ?? 1000);
// user-service's QR-token key seed.
const JWT_SECRET = randomBytes(32).toString('hex');

/** An access token as auth-service issues it (EdDSA, with a kid). */
function accessToken(userId: number, role = 'user'): string {
  return signTestToken({
    user_id: userId,
    role,
    email: `u${userId}@example.com`,
    name: `U${userId}`,
    surname: 'Bench',
    identifier: `u${userId}`,
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function summary(label: string, latencies: number[], wallMs: number) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    label,
    requests: latencies.length,
    p50_ms: percentile(sorted, 50).toFixed(1),
    p95_ms: percentile(sorted, 95).toFixed(1),
    max_ms: (sorted.at(-1) ?? NaN).toFixed(1),
    wall_ms: wallMs.toFixed(0),
    per_second: ((latencies.length / wallMs) * 1000).toFixed(0),
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

async function main() {
  const db = await benchDatabase('bench_checkin');
  const databaseUrl = db.url;
  await runMigrations({
    databaseUrl,
    dir: new URL('../migrations/', import.meta.url),
    log: pino({ level: 'silent' }),
  });

  const jwks = await startTestJwksServer();
  const app = await buildApp(
    loadConfig(configSchema, {
      NODE_ENV: 'production',
      JWT_SECRET,
      JWKS_URL: jwks.url,
      DATABASE_URL: databaseUrl,
      USER_SYNC_INTERVAL_SECONDS: '0',
    }),
    { logger: false },
  );
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const adminToken = accessToken(1, 'admin');
    const now = Date.now();
    const created = await fetch(`${base}/qr/admin/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        event_name: 'Bench',
        date: new Date(now).toISOString().slice(0, 10),
        starts_at: new Date(now - 3600_000).toISOString(),
        expires_at: new Date(now + 3600_000).toISOString(),
      }),
    });
    const event = (await created.json()) as { event_id: string; qr_content: string };
    const body = JSON.stringify({ qr_content: JSON.parse(event.qr_content) as unknown });
    const tokens = Array.from({ length: USERS }, (_, i) => accessToken(10_000 + i));

    const burst = async () => {
      const latencies: number[] = [];
      const statuses = new Map<number, number>();
      const { ms } = await timed(() =>
        Promise.all(
          tokens.map(async (token) => {
            const { value: response, ms: latency } = await timed(() =>
              fetch(`${base}/qr/scan`, {
                method: 'POST',
                headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
                body,
              }),
            );
            await response.arrayBuffer();
            latencies.push(latency);
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          }),
        ),
      );
      return { latencies, statuses: Object.fromEntries(statuses), ms };
    };

    const first = await burst();
    const second = await burst();
    const counts = await app.db.query<{ rows: number; users: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT user_id)::int AS users
         FROM attendance WHERE event_id = $1`,
      [event.event_id],
    );
    const recorded = counts.rows[0]?.rows ?? 0;
    const duplicates = recorded - (counts.rows[0]?.users ?? 0);

    // Reference: the same burst of bare INSERTs on the same database, through a pool of the
    // service's size (DATABASE_POOL_MAX, 10), with no HTTP, auth or sync in front.
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
    await pool.query(
      `INSERT INTO attendance_events (event_id, event_name, date, qr_jwt, starts_at, expires_at)
       VALUES ('bare', 'bare', current_date, '', now(), now() + interval '1 hour')`,
    );
    const bareLatencies: number[] = [];
    const bare = await timed(() =>
      Promise.all(
        tokens.map(async (_token, i) => {
          const { ms } = await timed(() =>
            pool.query(
              `INSERT INTO attendance (event_id, user_id, name, surname, scanned_at)
               VALUES ('bare', $1, 'U', 'Bench', now())`,
              [10_000 + i],
            ),
          );
          bareLatencies.push(ms);
        }),
      ),
    );
    await pool.end();

    const results = {
      users: USERS,
      first_burst: {
        ...summary('service, first scans', first.latencies, first.ms),
        statuses: first.statuses,
      },
      second_burst: {
        ...summary('service, repeat scans', second.latencies, second.ms),
        statuses: second.statuses,
      },
      bare_insert: summary('bare INSERT via pg pool (10)', bareLatencies, bare.ms),
      rows_recorded: recorded,
      duplicates,
      ok:
        recorded === USERS &&
        duplicates === 0 &&
        first.statuses[201] === USERS &&
        second.statuses[409] === USERS,
    };
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    if (!results.ok) process.exitCode = 1;
  } finally {
    await app.close();
    await jwks.stop();
    await db.stop();
  }
}

await main();
