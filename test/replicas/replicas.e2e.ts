import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { freePorts } from '@cloud-backend/shared/dev';
import { postgresAdminUrl, ownSigningKeysFile } from '@cloud-backend/shared/testing';
import { countActiveEvents } from '../../user-service/src/repositories/events.js';
import { countActiveUsers } from '../../user-service/src/repositories/users.js';
import { startNginx, type RunningNginx } from '../../bench/lib/nginx.js';
import { startRedis, type RunningRedis } from '../../bench/lib/redis.js';
import {
  ADMIN,
  ROOT,
  ServiceProcess,
  createDatabases,
  withClient,
  type Databases,
} from '../faults/support/stack.js';
import { startBalancer, type Balancer } from './support/balancer.js';
import {
  call,
  closeAgents,
  countBy,
  createAttendees,
  eventually,
  pool,
  sampleSum,
  sleep,
  type Attendee,
} from './support/client.js';
import { startPrometheus, type RunningPrometheus } from './support/prometheus.js';

// Replicas as production runs them (docs/operations.md#running-replicas): three gateways, two
// auth-services, two user-services and one social-log-service, real processes started at the
// same moment on fresh databases; one Redis; nginx (the production edge) round robin over the
// gateways; the gateways reach each service's replicas through a balancer (nginx again, as a
// Kubernetes Service or Docker's DNS would); Prometheus scraping every instance.
const LOGIN_MAX = 5;
const REVOCATION_POLL_MS = 1000;
const CHECK_INS = 1000;
const REPEATS = 200;
const KILL_PHASE_CHECK_INS = 400;
const KILL_PHASE_REGISTRATIONS = 40;
// Eight processes compiling their TypeScript at once on two shared cores.
const START_TIMEOUT_MS = 240_000;

const figures: string[] = [];
const say = (line: string) => {
  figures.push(line);
  process.stdout.write(`[replicas] ${line}\n`);
};
const ok = (status: number) => status >= 200 && status < 300;
const today = () =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date());

let databases: Databases | undefined;
let redis: RunningRedis | undefined;
let balancer: Balancer | undefined;
let edge: RunningNginx | undefined;
let prometheus: RunningPrometheus | undefined;
let gateways: ServiceProcess[] = [];
let auths: ServiceProcess[] = [];
let users: ServiceProcess[] = [];
let social: ServiceProcess | undefined;
let userPool: pg.Pool | undefined;
const jwtSecret = randomBytes(32).toString('hex');
let adminToken = '';

const all = () => [...gateways, ...auths, ...users, ...(social ? [social] : [])];
const metricsOf = async (service: ServiceProcess) =>
  (await call(service.url, 'GET', '/metrics')).text;

beforeAll(async () => {
  databases = await createDatabases(postgresAdminUrl(), 'replicas');
  redis = await startRedis();
  // Every port at once: freePort() twice in a row may give the same one.
  const ports = await freePorts(11);
  const port = (i: number) => ports[i] ?? 0;
  const host = (p: number) => `127.0.0.1:${String(p)}`;
  const internalToken = randomBytes(32).toString('hex');
  const socialUrl = `http://${host(port(7))}`;
  balancer = await startBalancer({
    auth: { port: port(8), members: [host(port(3)), host(port(4))] },
    user: { port: port(9), members: [host(port(5)), host(port(6))] },
  });
  const common = {
    JWT_SECRET: jwtSecret,
    INTERNAL_API_TOKEN: internalToken,
    LOG_LEVEL: 'info',
    // Both auth-service replicas sign with one key file; the rest verify with its public keys.
    // A key of this run: a production auth-service refuses the tests' published one.
    JWT_SIGNING_KEYS_FILE: ownSigningKeysFile(),
    JWKS_URL: `${balancer.urls.auth}/.well-known/jwks.json`,
  };
  const nobody = `http://${host(port(10))}`;
  gateways = [0, 1, 2].map(
    (i) =>
      new ServiceProcess('gateway', port(i), {
        JWT_SECRET: jwtSecret,
        JWKS_URL: common.JWKS_URL,
        INTERNAL_API_TOKEN: internalToken,
        AUTH_SERVICE_URL: balancer?.urls.auth ?? '',
        USER_SERVICE_URL: balancer?.urls.user ?? '',
        SOCIAL_LOG_SERVICE_URL: socialUrl,
        DASHBOARD_API_URL: nobody,
        REDIS_URL: redis?.url ?? '',
        REVOCATION_POLL_MS: String(REVOCATION_POLL_MS),
        // Every client here is nginx at 127.0.0.1: only the login limit is under test.
        RATE_LIMIT_GLOBAL_MAX: '1000000000',
        RATE_LIMIT_LOGIN_MAX: String(LOGIN_MAX),
        RATE_LIMIT_REGISTER_MAX: '1000000000',
        MAX_EVENT_LOOP_DELAY_MS: '0',
      }),
  );
  auths = [3, 4].map(
    (i) =>
      new ServiceProcess('auth-service', port(i), {
        ...common,
        DATABASE_URL: databases?.auth ?? '',
        BCRYPT_COST: '4',
        SOCIAL_LOG_SERVICE_URL: socialUrl,
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
      }),
  );
  users = [5, 6].map(
    (i) =>
      new ServiceProcess('user-service', port(i), {
        ...common,
        DATABASE_URL: databases?.user ?? '',
        AUTH_DATABASE_URL: databases?.auth ?? '',
        SOCIAL_LOG_SERVICE_URL: socialUrl,
        USER_SYNC_INTERVAL_SECONDS: '1',
      }),
  );
  social = new ServiceProcess('social-log-service', port(7), {
    ...common,
    DATABASE_URL: databases.socialLog,
  });
  // All at the same moment: the replicas of a service race to migrate its fresh database.
  const started = Date.now();
  const starts = await Promise.allSettled(all().map((service) => service.start(START_TIMEOUT_MS)));
  const failed = starts.filter((start) => start.status === 'rejected');
  if (failed.length > 0) {
    const outputs = all().map(
      (service) => `--- ${service.name} ${service.url}\n${service.output()}`,
    );
    throw new Error(
      `${String(failed.length)} replica(s) did not start: ${failed.map((f) => String(f.reason)).join('\n')}\n${outputs.join('\n')}`,
    );
  }
  say(`8 processes started at once, all up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  edge = await startNginx(gateways.map((g) => host(g.port)));
  prometheus = await startPrometheus({
    gateway: gateways.map((g) => host(g.port)),
    'auth-service': auths.map((a) => host(a.port)),
    'user-service': users.map((u) => host(u.port)),
    'social-log-service': [host(port(7))],
  });
  userPool = new pg.Pool({ connectionString: databases.user, max: 2 });
  const login = await call(auths[0]?.url ?? '', 'POST', '/login', {
    body: { email: ADMIN.email, password: ADMIN.password },
  });
  expect(login.status, login.text).toBe(200);
  adminToken = (JSON.parse(login.text) as { token: string }).token;
});

afterAll(async () => {
  closeAgents();
  await Promise.allSettled(all().map((service) => service.stop()));
  await Promise.allSettled([edge?.stop(), balancer?.stop(), prometheus?.stop(), redis?.stop()]);
  await userPool?.end();
  await databases?.drop();
  process.stdout.write(
    `\nmake test-replicas figures:\n${figures.map((f) => `  ${f}`).join('\n')}\n`,
  );
});

const migrationFiles = (service: string) =>
  readdirSync(`${ROOT}${service}/migrations`).filter((name) => name.endsWith('.sql'));

/** The migrations a process's start-up log says it applied. */
function appliedBy(service: ServiceProcess): string[] {
  const names: string[] = [];
  for (const line of service.output().split('\n')) {
    const match = /"applied":\[([^\]]*)\]/.exec(line);
    if (match?.[1]) names.push(...(JSON.parse(`[${match[1]}]`) as string[]));
  }
  return names;
}

async function newEvent(name: string): Promise<{ eventId: string; qr: unknown }> {
  const now = Date.now();
  const created = await call(edge?.url ?? '', 'POST', '/user/qr/admin/generate', {
    token: adminToken,
    body: {
      event_name: `${name} ${String(now)}`,
      date: today(),
      starts_at: new Date(now - 3600_000).toISOString(),
      expires_at: new Date(now + 3600_000).toISOString(),
    },
  });
  expect(created.status, created.text).toBe(201);
  const body = JSON.parse(created.text) as { event_id: string; qr_content: string };
  return { eventId: body.event_id, qr: JSON.parse(body.qr_content) as unknown };
}

const scan = (attendee: Attendee, qr: unknown) =>
  call(edge?.url ?? '', 'POST', '/user/qr/scan', {
    token: attendee.token,
    body: { qr_content: qr },
  });

async function attendance(eventId: string): Promise<{ rows: number; duplicates: number }> {
  return withClient(databases?.user ?? '', async (client) => {
    const { rows } = await client.query<{ rows: number; users: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT user_id)::int AS users
         FROM attendance WHERE event_id = $1`,
      [eventId],
    );
    const counted = rows[0]?.rows ?? 0;
    return { rows: counted, duplicates: counted - (rows[0]?.users ?? 0) };
  });
}

/** count(*) of a query, on a database. */
const countOf = (url: string, sql: string, params: unknown[] = []) =>
  withClient(url, async (client) => {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (${sql}) AS counted`,
      params,
    );
    return rows[0]?.n ?? 0;
  });

async function outboxesEmpty(): Promise<true | undefined> {
  for (const url of [databases?.auth ?? '', databases?.user ?? '']) {
    const pending = await withClient(url, async (client) => {
      const { rows } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM audit_outbox',
      );
      return rows[0]?.n ?? 0;
    });
    if (pending > 0) return undefined;
  }
  return true;
}

/** The attendance dashboard's own query of a stat panel, by title. */
function dashboardQuery(title: string): string {
  const dashboard = JSON.parse(
    readFileSync(`${ROOT}monitoring/grafana/provisioning/dashboards/attendance.json`, 'utf8'),
  ) as { panels: { title: string; targets?: { expr: string }[] }[] };
  const expr = dashboard.panels.find((panel) => panel.title === title)?.targets?.[0]?.expr;
  if (!expr) throw new Error(`no panel "${title}" in attendance.json`);
  return expr;
}

/** The dashboard's active events and users equal the database's, scraped from `replicas`. */
async function gaugesAgree(replicas: number): Promise<void> {
  const events = dashboardQuery('Active events');
  const activeUsers = dashboardQuery('Active users');
  const db = userPool as pg.Pool;
  const seen = await eventually(
    `Prometheus' attendance gauges from ${String(replicas)} user-service replica(s)`,
    async () => {
      const truth = { events: await countActiveEvents(db), users: await countActiveUsers(db) };
      const series = await prometheus?.value('count(attendance_events_active)');
      const shown = {
        events: await prometheus?.value(events),
        users: await prometheus?.value(activeUsers),
      };
      if (series !== replicas || shown.events !== truth.events || shown.users !== truth.users) {
        return undefined;
      }
      return { truth, shown };
    },
  );
  const sum = await prometheus?.value('sum(attendance_events_active)');
  say(
    `dashboard with ${String(replicas)} user-service replica(s): "${events}" = ${String(seen.shown.events)}, ` +
      `"${activeUsers}" = ${String(seen.shown.users)}; database: ${String(seen.truth.events)} events, ` +
      `${String(seen.truth.users)} users (a sum would say ${String(sum)} events)`,
  );
}

describe('replicas behind nginx, with one Redis and one Prometheus', () => {
  it('migrates each fresh database once, though every replica started at the same moment', async () => {
    for (const [service, replicas, url] of [
      ['auth-service', auths, databases?.auth ?? ''],
      ['user-service', users, databases?.user ?? ''],
    ] as const) {
      const files = migrationFiles(service).map((name) => name.replace(/\.sql$/, ''));
      const applied = replicas.map(appliedBy);
      // Each migration applied by exactly one replica; the other found nothing left to do.
      expect(applied.flat().sort(), service).toEqual([...files].sort());
      const recorded = await withClient(url, async (client) => {
        const { rows } = await client.query<{ name: string }>('SELECT name FROM pgmigrations');
        return rows.map((row) => row.name);
      });
      expect(recorded.sort(), service).toEqual([...files].sort());
      say(
        `${service}: ${String(files.length)} migrations, applied by replica ${applied
          .map((names, i) => `${String(i + 1)}: ${String(names.length)}`)
          .join(', replica ')}; pgmigrations has each once`,
      );
    }
  });

  it('Prometheus (file-based discovery) scrapes every instance', async () => {
    const targets = await eventually('every target up', async () => {
      const found = (await prometheus?.targets()) ?? [];
      return found.length === all().length && found.every((t) => t.health === 'up')
        ? found
        : undefined;
    });
    const jobs: Record<string, number> = {};
    for (const target of targets) jobs[target.job] = (jobs[target.job] ?? 0) + 1;
    expect(jobs).toEqual({
      gateway: 3,
      'auth-service': 2,
      'user-service': 2,
      'social-log-service': 1,
    });
    say(
      `scrape targets up: ${String(targets.length)} of ${String(targets.length)} (${Object.entries(
        jobs,
      )
        .map(([job, n]) => `${job} ×${String(n)}`)
        .join(', ')})`,
    );
  });

  it('holds the login limit across the gateways (shared in Redis)', async () => {
    const tries = 4 * gateways.length;
    const statuses: number[] = [];
    // One after the other: nginx's round robin sends each gateway four of them.
    for (let i = 0; i < tries; i++) {
      const answer = await call(edge?.url ?? '', 'POST', '/login', {
        body: { email: ADMIN.email, password: ADMIN.password },
      });
      if (answer.status === 429) expect(answer.text).toContain('LOGIN_RATE_LIMITED');
      statuses.push(answer.status);
    }
    expect(countBy(statuses)).toEqual({ '200': LOGIN_MAX, '429': tries - LOGIN_MAX });
    const refusals = await Promise.all(
      gateways.map(async (g) =>
        sampleSum(await metricsOf(g), 'http_requests_total', { status_code: '429' }),
      ),
    );
    // Each gateway refused some: with limits per process, none would have (4 < 5 each).
    for (const count of refusals) expect(count).toBeGreaterThan(0);
    say(
      `login limit ${String(LOGIN_MAX)}/min: ${String(tries)} logins through nginx, ` +
        `${String(LOGIN_MAX)} allowed, ${String(tries - LOGIN_MAX)} refused (per gateway: ${refusals.join(', ')})`,
    );
  });

  it('refuses a logged-out session at every gateway', async () => {
    // The session comes from the second auth replica; the logout reaches some gateway.
    const login = await call(auths[1]?.url ?? '', 'POST', '/login', {
      body: { email: ADMIN.email, password: ADMIN.password },
    });
    expect(login.status, login.text).toBe(200);
    const token = (JSON.parse(login.text) as { token: string }).token;
    for (const gateway of gateways) {
      expect((await call(gateway.url, 'GET', '/user/profile', { token })).status).toBe(200);
    }
    const logout = await call(edge?.url ?? '', 'POST', '/auth/logout', { token });
    expect(ok(logout.status), logout.text).toBe(true);
    const loggedOut = performance.now();
    const delays = await Promise.all(
      gateways.map((gateway) =>
        eventually(
          `${gateway.url} refuses the session`,
          async () => {
            const answer = await call(gateway.url, 'GET', '/user/profile', { token });
            return answer.status === 401 ? performance.now() - loggedOut : undefined;
          },
          30_000,
        ),
      ),
    );
    say(
      `logout: refused by all ${String(gateways.length)} gateways after ${delays
        .map((ms) => `${(ms / 1000).toFixed(1)} s`)
        .join(', ')} (REVOCATION_POLL_MS ${String(REVOCATION_POLL_MS)}; bound about two polls)`,
    );
  });

  it('records 1 000 check-ins spread over the user-service replicas once each', async () => {
    const event = await newEvent('Replicas');
    const attendees = await createAttendees(databases?.auth ?? '', 'wave', CHECK_INS);
    const before = await Promise.all(
      users.map(async (u) =>
        sampleSum(await metricsOf(u), 'qr_scans_total', { status: 'success' }),
      ),
    );
    // Every attendee scans once; the first REPEATS scan twice at the same moment, the two
    // requests reaching different gateways (and often different user-service replicas).
    const sends = [...attendees, ...attendees.slice(0, REPEATS)];
    const statuses = await pool(sends, 50, (attendee) =>
      scan(attendee, event.qr).then((a) => a.status),
    );
    const tries = new Map<number, number[]>(attendees.map((a) => [a.id, []]));
    sends.forEach((attendee, i) => tries.get(attendee.id)?.push(statuses[i] ?? 0));
    // An answer that is neither 201 nor 409 (a 503 or 504 when the shared cores are swamped)
    // acknowledged nothing: the attendee scans again, as a phone would, until one of those.
    const settled = (id: number) => tries.get(id)?.some((s) => s === 201 || s === 409) ?? false;
    const resent: number[] = [];
    for (let round = 0; round < 5; round++) {
      const pending = attendees.filter((a) => !settled(a.id));
      if (pending.length === 0) break;
      await pool(pending, 10, async (attendee) => {
        const status = (await scan(attendee, event.qr)).status;
        resent.push(status);
        tries.get(attendee.id)?.push(status);
      });
    }
    const after = await Promise.all(
      users.map(async (u) =>
        sampleSum(await metricsOf(u), 'qr_scans_total', { status: 'success' }),
      ),
    );
    const perReplica = after.map((n, i) => n - (before[i] ?? 0));
    const counts = countBy(statuses);
    const recorded = await attendance(event.eventId);
    expect(recorded).toEqual({ rows: CHECK_INS, duplicates: 0 });
    for (const attendee of attendees) {
      const answers = tries.get(attendee.id) ?? [];
      // Checked in, and acknowledged as new at most once, however often it was sent.
      expect(settled(attendee.id), JSON.stringify(answers)).toBe(true);
      expect(answers.filter((s) => s === 201).length).toBeLessThanOrEqual(1);
    }
    for (const n of perReplica) expect(n).toBeGreaterThan(0);
    say(
      `check-ins: ${String(sends.length)} requests (${String(REPEATS)} repeated at once) → ` +
        `${JSON.stringify(counts)}${resent.length > 0 ? `, resent ${JSON.stringify(countBy(resent))}` : ''}; ` +
        `rows ${String(recorded.rows)}, duplicates ${String(recorded.duplicates)}; ` +
        `per user-service replica ${perReplica.join(' + ')}`,
    );
  });

  it('delivers every audit event of every replica once', async () => {
    await eventually('the audit outboxes drain', outboxesEmpty);
    const counts = await withClient(databases?.socialLog ?? '', async (client) => {
      const { rows } = await client.query<{ service: string; action: string; n: number }>(
        `SELECT service, action, count(*)::int AS n FROM audit_events GROUP BY 1, 2`,
      );
      const { rows: dup } = await client.query<{ n: number }>(
        'SELECT (count(*) - count(DISTINCT event_id))::int AS n FROM audit_events',
      );
      return { rows, duplicates: dup[0]?.n ?? -1 };
    });
    const of = (service: string, action?: string) =>
      counts.rows
        .filter((r) => r.service === service && (action === undefined || r.action === action))
        .reduce((sum, r) => sum + r.n, 0);
    const truth = {
      checkIns: await countOf(databases?.user ?? '', 'SELECT 1 FROM attendance'),
      authLogs: await countOf(databases?.auth ?? '', 'SELECT 1 FROM auth_logs'),
    };
    expect(counts.duplicates).toBe(0);
    expect(of('user-service', 'attendance.check_in')).toBe(truth.checkIns);
    expect(of('auth-service')).toBe(truth.authLogs);
    const verified = await call(edge?.url ?? '', 'GET', '/api/social/audit/verify', {
      token: adminToken,
    });
    expect(verified.status, verified.text).toBe(200);
    say(
      `audit: ${String(of('user-service', 'attendance.check_in'))} check-in events for ` +
        `${String(truth.checkIns)} rows, ${String(of('auth-service'))} auth events for ` +
        `${String(truth.authLogs)} auth_logs rows, 0 duplicates; chain ${verified.text}`,
    );
  });

  it('reconciles users in one replica only', async () => {
    const runs = await eventually('a few reconciliation periods', async () => {
      const counts = await Promise.all(
        users.map(async (u) => {
          const page = await metricsOf(u);
          return {
            run: sampleSum(page, 'user_reconciliations_total', { outcome: 'run' }),
            skipped: sampleSum(page, 'user_reconciliations_total', { outcome: 'skipped' }),
          };
        }),
      );
      return counts.every((c) => c.run + c.skipped >= 3) ? counts : undefined;
    });
    expect(runs.filter((c) => c.run > 0)).toHaveLength(1);
    say(
      `user reconciliation: ${runs.map((c, i) => `replica ${String(i + 1)} ran ${String(c.run)}, skipped ${String(c.skipped)}`).join('; ')}`,
    );
  });

  it("shows the dashboard's attendance gauges as the database has them, from 2 replicas", async () => {
    await gaugesAgree(2);
  });

  it('loses no acknowledged write when one replica of each is SIGKILLed under traffic', async () => {
    const event = await newEvent('Replicas kill');
    const attendees = await createAttendees(databases?.auth ?? '', 'kill', KILL_PHASE_CHECK_INS);
    const emails = Array.from(
      { length: KILL_PHASE_REGISTRATIONS },
      (_, i) => `kill-register-${String(i)}-${String(Date.now())}@example.com`,
    );
    const register = (email: string) =>
      call(edge?.url ?? '', 'POST', '/auth/register', {
        body: { email, password: 'replica test password', name: 'Kill', surname: 'Phase' },
      });
    // Which user-service replica leads the reconciliation: it is the one killed.
    const leads = await Promise.all(
      users.map(async (u) =>
        sampleSum(await metricsOf(u), 'user_reconciliations_total', { outcome: 'run' }),
      ),
    );
    const leader = leads.findIndex((n) => n > 0);
    const userVictim = users[leader] as ServiceProcess;
    const survivor = users[1 - leader] as ServiceProcess;
    const victims = [gateways[2], auths[1], userVictim] as ServiceProcess[];

    let done = 0;
    const killed = (async () => {
      while (done < KILL_PHASE_CHECK_INS / 3) await sleep(20);
      await Promise.all(victims.map((victim) => victim.signal('SIGKILL')));
    })();
    const [scans, registrations] = await Promise.all([
      pool(attendees, 20, async (attendee) => {
        const answer = await scan(attendee, event.qr);
        done++;
        return answer.status;
      }),
      pool(emails, 2, async (email) => {
        await sleep(50);
        return (await register(email)).status;
      }),
    ]);
    await killed;

    // Acknowledged: a 201. Every acknowledged check-in and account is in its database.
    const acknowledged = attendees.filter((_, i) => scans[i] === 201).map((a) => a.id);
    const stored = await withClient(databases?.user ?? '', async (client) => {
      const { rows } = await client.query<{ user_id: number }>(
        'SELECT user_id FROM attendance WHERE event_id = $1 AND user_id = ANY($2::int[])',
        [event.eventId, acknowledged],
      );
      return rows.length;
    });
    expect(stored).toBe(acknowledged.length);
    const registered = emails.filter((_, i) => registrations[i] === 201);
    const accounts = await withClient(databases?.auth ?? '', async (client) => {
      const { rows } = await client.query('SELECT 1 FROM users WHERE email = ANY($1::text[])', [
        registered,
      ]);
      return rows.length;
    });
    expect(accounts).toBe(registered.length);

    // What was not acknowledged is sent again, as a client would: then every one is in.
    const retried = await pool(
      attendees.filter((_, i) => scans[i] !== 201),
      10,
      (attendee) => scan(attendee, event.qr).then((a) => a.status),
    );
    for (const status of retried) expect([201, 409]).toContain(status);
    const final = await attendance(event.eventId);
    expect(final).toEqual({ rows: KILL_PHASE_CHECK_INS, duplicates: 0 });
    await eventually('the audit outboxes drain after the kill', outboxesEmpty);
    const checkInEvents = await withClient(databases?.socialLog ?? '', async (client) => {
      const { rows } = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_events WHERE action = 'attendance.check_in'",
      );
      return rows[0]?.n ?? 0;
    });
    const allCheckIns = await countOf(databases?.user ?? '', 'SELECT 1 FROM attendance');
    expect(checkInEvents).toBe(allCheckIns);
    say(
      `SIGKILL of gateway 3, auth-service 2 and user-service ${String(leader + 1)} (the reconciliation leader) ` +
        `under traffic: check-ins ${JSON.stringify(countBy(scans))}, registrations ` +
        `${JSON.stringify(countBy(registrations))}; acknowledged ${String(acknowledged.length)} check-ins ` +
        `and ${String(registered.length)} accounts, all stored; after resending the rest ` +
        `${JSON.stringify(countBy(retried))}: rows ${String(final.rows)}, duplicates ${String(final.duplicates)}; ` +
        `audit check-in events ${String(checkInEvents)} for ${String(allCheckIns)} rows`,
    );

    // The survivor takes the reconciliation over.
    const runsBefore = sampleSum(await metricsOf(survivor), 'user_reconciliations_total', {
      outcome: 'run',
    });
    const taken = await eventually('the surviving replica reconciles', async () => {
      const runs = sampleSum(await metricsOf(survivor), 'user_reconciliations_total', {
        outcome: 'run',
      });
      return runs > runsBefore ? runs : undefined;
    });
    say(
      `user reconciliation taken over by user-service ${String(2 - leader)} (${String(taken)} runs)`,
    );
  });

  it("shows the dashboard's attendance gauges as the database has them, from 1 replica", async () => {
    const targets = await eventually('Prometheus sees the killed instances down', async () => {
      const found = (await prometheus?.targets()) ?? [];
      return found.filter((t) => t.health === 'down').length === 3 ? found : undefined;
    });
    say(
      `scrape targets after the kill: ${String(targets.filter((t) => t.health === 'up').length)} up, ` +
        `${String(targets.filter((t) => t.health === 'down').length)} down`,
    );
    await gaugesAgree(1);
  });
});
