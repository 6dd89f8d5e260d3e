import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { ReadOnlyDatabase } from '../src/sources/index.js';
import { build, fetchDashboard, nullPaths, type Reply } from './helper.js';
import { createDashboardDatabases, type DashboardDatabases } from './support/databases.js';

const HOUR = 3_600_000;

interface AuthLog {
  action: string;
  success: boolean;
  hoursAgo: number;
}

// What auth-service writes (auth-service/src/repositories/auth-logs.ts), around the clock.
const AUTH_LOGS: AuthLog[] = [
  { action: 'login_success', success: true, hoursAgo: 1 },
  { action: 'login_success', success: true, hoursAgo: 2 },
  { action: 'login_success', success: true, hoursAgo: 30 }, // outside 24 h
  { action: 'login_failed_wrong_password', success: false, hoursAgo: 0.2 },
  { action: 'login_failed_user_not_found', success: false, hoursAgo: 3 },
  { action: 'login_blocked_locked', success: false, hoursAgo: 0.3 },
  { action: 'account_locked', success: false, hoursAgo: 0.25 },
  { action: 'refresh_token_reuse', success: false, hoursAgo: 0.1 },
  { action: 'register', success: true, hoursAgo: 5 }, // not a login
];

const utcHour = (hoursAgo: number, now: number) => new Date(now - hoursAgo * HOUR).getUTCHours();

async function arrange(dbs: DashboardDatabases, now: number) {
  for (const log of AUTH_LOGS) {
    await dbs.authAdmin.query(
      `INSERT INTO auth_logs (user_email, action, success, "timestamp")
       VALUES ('someone@example.com', $1, $2, $3)`,
      [log.action, log.success, new Date(now - log.hoursAgo * HOUR)],
    );
  }
  const at = (hours: number) => new Date(now + hours * HOUR);
  await dbs.userAdmin.query(
    `INSERT INTO users (id, name, last_name, username) VALUES
       (1, 'Ada', 'Lovelace', 'ada'), (2, 'Alan', 'Turing', 'alan'), (3, 'Grace', 'Hopper', 'grace')`,
  );
  const event = (id: string, starts: number, expires: number) =>
    dbs.userAdmin.query(
      `INSERT INTO attendance_events (event_id, event_name, date, qr_jwt, starts_at, expires_at)
       VALUES ($1, $1, $2::timestamptz::date, 'qr', $2, $3)`,
      [id, at(starts), at(expires)],
    );
  await event('today', -3, 5); // open in the last 24 h
  await event('last-week', -50, -30); // closed before the window
  await event('tomorrow', 1, 10); // not started
  const record = (
    eventId: string,
    userId: number,
    status: string,
    scannedHoursAgo: number | null,
  ) =>
    dbs.userAdmin.query(
      `INSERT INTO attendance (event_id, user_id, name, surname, status, scanned_at)
       VALUES ($1, $2, 'n', 's', $3, $4)`,
      [eventId, userId, status, scannedHoursAgo === null ? null : at(-scannedHoursAgo)],
    );
  await record('today', 1, 'present', 2);
  await record('today', 2, 'present', 1);
  await record('today', 3, 'hospital', null); // set by an admin: no scan
  await record('last-week', 1, 'present', 40);
}

describe('database fields, read through a role that may only SELECT', () => {
  let dbs: DashboardDatabases;
  let app: ServiceApp;
  const now = Date.now();
  beforeAll(async () => {
    dbs = await createDashboardDatabases();
    await arrange(dbs, now);
    app = await build({
      AUTH_DATABASE_URL: dbs.readonly.auth,
      USER_DATABASE_URL: dbs.readonly.user,
    });
  });
  afterAll(async () => {
    await app.close();
    await dbs.drop();
  });

  it('security: logins, failures, lockouts and refused operations from auth_logs', async () => {
    const reply = await fetchDashboard(app, '/api/dashboard/security');
    expect(reply.data.authentication_stats).toEqual({
      successful_logins_24h: 2,
      failed_attempts_24h: 3,
      success_rate_percent: 40,
      account_lockouts_24h: 1,
    });
    // Failed logins, the lockout and the refresh-token reuse of the last hour.
    expect(reply.data.user_activity).toMatchObject({ suspicious_activity: 4 });
    expect(reply.data.security_level).toBe('HIGH_RISK');
    expect(reply.metadata.sources.auth_db).toEqual({
      status: 'ok',
      queries: 1,
      failed: 0,
      error: null,
    });
  });

  it('vm-health: each database answers a probe', async () => {
    const reply = await fetchDashboard<{ database_health: Record<string, unknown> }>(
      app,
      '/api/dashboard/vm-health',
    );
    for (const name of ['auth_db_status', 'user_db_status']) {
      expect(reply.data.database_health[name]).toEqual({
        connected: true,
        response_time_ms: expect.any(Number) as unknown,
      });
    }
  });

  describe('insights', () => {
    let reply: Reply;
    let data: Record<string, Record<string, Record<string, unknown>>>;
    beforeAll(async () => {
      reply = await fetchDashboard(app, '/api/dashboard/insights');
      data = reply.data as typeof data;
    });

    it('counts check-ins and events of the last 24 hours', () => {
      expect(data.qr_analytics?.qr_code_analytics).toMatchObject({ total_scans_24h: 2 });
      expect(data.event_insights?.attendance_stats).toMatchObject({
        total_events_24h: 1,
        // 2 present of the 3 records of the one event open in the window.
        attendance_rate_percent: 66.67,
      });
    });

    it('gives every one of the last 24 clock hours its check-ins', () => {
      const perHour = data.qr_analytics?.qr_code_analytics?.scans_per_hour as {
        hour: string;
        scans: number;
      }[];
      expect(perHour).toHaveLength(24);
      const lastHour = Math.floor(Date.parse(reply.timestamp) / HOUR) * HOUR;
      expect(perHour.map((h) => Date.parse(h.hour))).toEqual(
        Array.from({ length: 24 }, (_, i) => lastHour - (23 - i) * HOUR),
      );
      const expected = new Map<number, number>();
      for (const hoursAgo of [1, 2]) {
        const hour = Math.floor((now - hoursAgo * HOUR) / HOUR) * HOUR;
        expected.set(hour, (expected.get(hour) ?? 0) + 1);
      }
      for (const { hour, scans } of perHour) {
        expect(scans).toBe(expected.get(Date.parse(hour)) ?? 0);
      }
    });

    it('ranks users and hours over the last `days`', () => {
      expect(data.user_activity?.user_behavior?.most_active_users).toEqual([
        { user_id: 1, name: 'Ada', surname: 'Lovelace', check_ins: 2 },
        { user_id: 2, name: 'Alan', surname: 'Turing', check_ins: 1 },
      ]);
      const peaks = data.event_insights?.attendance_stats?.peak_attendance_hours as {
        hour: number;
        check_ins: number;
      }[];
      const hours = [2, 1, 40].map((h) => utcHour(h, now));
      expect(peaks.reduce((sum, p) => sum + p.check_ins, 0)).toBe(3);
      expect(peaks.map((p) => p.hour).sort()).toEqual([...new Set(hours)].sort());
    });

    it('spreads successful logins over the 24 hours of the day', () => {
      const slots = data.user_activity?.user_behavior?.activity_by_time_slot as {
        hour: number;
        logins: number;
      }[];
      expect(slots.map((s) => s.hour)).toEqual(Array.from({ length: 24 }, (_, i) => i));
      const expected = new Array<number>(24).fill(0);
      for (const h of [1, 2, 30]) expected[utcHour(h, now)] = (expected[utcHour(h, now)] ?? 0) + 1;
      expect(slots.map((s) => s.logins)).toEqual(expected);
    });

    it("reads PostgreSQL's statistics of both databases", () => {
      const metrics = data.usage_patterns?.database_metrics as Record<string, unknown> & {
        databases: Record<string, Record<string, unknown>>;
      };
      expect(metrics.connections_active).toEqual(expect.any(Number));
      expect(metrics.database_size).toMatch(/^\d+\.\d (kB|MB|GB)$/);
      expect(metrics.cache_hit_rate_percent).toEqual(expect.any(Number));
      for (const name of ['auth_db', 'user_db']) {
        expect(metrics.databases[name]).toMatchObject({
          connections_active: expect.any(Number) as unknown,
          database_size_bytes: expect.any(Number) as unknown,
          // A plain read-only role cannot see other roles' running queries.
          slow_queries_count: null,
        });
      }
      expect(
        reply.metadata.null_fields['usage_patterns.database_metrics.slow_queries_count'],
      ).toMatch(/not a member of pg_read_all_stats/);
      expect(metrics.databases.auth_db?.database_size_bytes).toBeGreaterThan(1_000_000);
    });

    it('explains every null, and only nulls', () => {
      expect(nullPaths(reply.data)).toEqual(Object.keys(reply.metadata.null_fields));
      expect(reply.metadata.sources.user_db?.status).toBe('ok');
      expect(reply.metadata.sources.auth_db?.status).toBe('ok');
    });

    it('groups hours of the day in ?timezone=', async () => {
      const kolkata = await fetchDashboard(app, '/api/dashboard/insights?timezone=Asia/Kolkata');
      const slots = (kolkata.data as typeof data).user_activity?.user_behavior
        ?.activity_by_time_slot as { hour: number; logins: number }[];
      const kolkataHour = (hoursAgo: number) =>
        Number(
          new Intl.DateTimeFormat('en-GB', {
            hour: '2-digit',
            hourCycle: 'h23',
            timeZone: 'Asia/Kolkata',
          }).format(new Date(now - hoursAgo * HOUR)),
        );
      for (const h of [1, 2, 30]) expect(slots[kolkataHour(h)]?.logins).toBeGreaterThan(0);
    });
  });

  it('a superuser, or a member of pg_read_all_stats, sees slow queries', async () => {
    const superuser = await build({
      AUTH_DATABASE_URL: dbs.auth.url,
      USER_DATABASE_URL: dbs.user.url,
    });
    try {
      const reply = await fetchDashboard(superuser, '/api/dashboard/insights');
      const metrics = (reply.data as Record<string, Record<string, Record<string, unknown>>>)
        .usage_patterns?.database_metrics;
      expect(metrics?.slow_queries_count).toBe(0);
    } finally {
      await superuser.close();
    }
  });

  it('never writes, even when handed an owner URL', async () => {
    const db = new ReadOnlyDatabase(
      'auth_db',
      { url: dbs.auth.url, poolMax: 1, timeoutMs: 3000, service: 'dashboard-api' },
      pino({ level: 'silent' }),
    );
    try {
      await expect(
        db.query(`INSERT INTO auth_logs (user_email, action, success) VALUES ('x', 'x', true)`),
      ).rejects.toMatchObject({
        source: 'auth_db',
        kind: 'query_failed',
        message: 'cannot execute INSERT in a read-only transaction',
      });
    } finally {
      await db.close();
    }
  });
});
