import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { loadConfig, type ServiceApp } from '@cloud-backend/shared';
import {
  TEST_JWT_SECRET,
  createTestDatabase,
  migrateTestDatabase,
  type TestDatabase,
} from '@cloud-backend/shared/testing';
import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { MIGRATIONS, adminToken, bearer, scan, userToken } from './helper.js';
import { ORIGINAL_SCHEMA, liveEventTable, prefilledEventTable } from './legacy-schema.js';

// A 60-character name: on two dates its ids cut to the same 63-byte table name (D-B5).
const LONG = 'assemblea-generale-straordinaria-dei-soci-e-dei-volontari-xx';

const SEED = `
INSERT INTO users (id, name, last_name, username, email, role, created_at) VALUES
  (1, 'Ada', 'Admin', 'ada', 'ada@example.com', 'admin', '2025-01-01 00:00:00+00'),
  (7, 'Alice', 'Rossi', 'alice', 'alice@example.com', 'user', '2025-01-02 00:00:00+00'),
  (8, 'Bruno', 'Bianchi', 'bruno', 'bruno@example.com', 'user', '2025-01-03 00:00:00+00'),
  (9, 'Carla', 'Verdi', 'carla', NULL, 'user', '2025-01-04 00:00:00+00');
INSERT INTO attendance_events (event_id, event_name, date, qr_jwt, expires_at, created_by, created_at) VALUES
  ('team-meeting-2099-06-10', 'Team Meeting', '2099-06-10', 'old.jwt.one', '2099-06-10 23:59:59', 1, '2025-06-01 08:00:00'),
  ('daily-check-2025-06-09', 'Daily Check', '2025-06-09', 'old.jwt.two', '2025-06-09 23:59:59', 1, '2025-06-09 06:00:00'),
  ('${LONG}-2025-06-01', '${LONG}', '2025-06-01', 'old.jwt.3', '2025-06-01 23:59:59', 1, '2025-06-01 09:00:00'),
  ('${LONG}-2025-06-02', '${LONG}', '2025-06-02', 'old.jwt.4', '2025-06-02 23:59:59', 1, '2025-06-02 09:00:00'),
  ('daily-2025-06-20', 'Daily Attendance Check', '2025-06-20', 'sample.jwt.token.for.analytics', '2025-06-21 00:00:00', NULL, '2025-06-20 10:00:00');
${liveEventTable('attendance_team_meeting_2099_06_10')}
INSERT INTO attendance_team_meeting_2099_06_10 (user_id, name, surname, scanned_at, status, motivazione, updated_by, updated_at) VALUES
  (7, 'Alice', 'Rossi', '2025-06-10 08:01:02+00', 'present', NULL, NULL, '2025-06-10 08:01:02+00'),
  (8, 'Bruno', 'Bianchi', '2025-06-10 08:05:00+00', 'hospital', 'ricovero', 1, '2025-06-10 09:00:00+00');
${prefilledEventTable('attendance_daily_check_2025_06_09')}
UPDATE attendance_daily_check_2025_06_09 SET status = 'present', scanned_at = '2025-06-09 07:30:00+00',
  updated_at = '2025-06-09 07:30:00+00' WHERE user_id = 9;
${liveEventTable(`attendance_${LONG.replaceAll('-', '_')}_2025_06_01`)}
${liveEventTable(`attendance_${LONG.replaceAll('-', '_')}_2025_06_02`)}
INSERT INTO attendance_${LONG.replaceAll('-', '_')}_2025_06_01 (user_id, name, surname, scanned_at, updated_at) VALUES
  (7, 'Alice', 'Rossi', '2025-06-01 10:00:00+00', '2025-06-01 10:00:00+00'),
  (8, 'Bruno', 'Bianchi', '2025-06-02 10:00:00+00', '2025-06-02 10:00:00+00');
${liveEventTable('attendance_ghost_2025_01_01')}
INSERT INTO attendance_ghost_2025_01_01 (user_id, name, surname, scanned_at) VALUES
  (7, 'Alice', 'Rossi', '2025-01-01 10:00:00+00');
`;

interface Row {
  event_id: string;
  user_id: number;
  name: string;
  surname: string;
  status: string;
  motivazione: string | null;
  scanned_at: string | null;
  updated_at: string;
  updated_by: number | null;
}

describe('upgrading a database the original left behind', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let app: ServiceApp;
  beforeAll(async () => {
    db = await createTestDatabase('user_legacy');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(ORIGINAL_SCHEMA);
    await client.query(SEED);
    await migrateTestDatabase(db.url, MIGRATIONS);
    app = await buildApp(
      loadConfig(configSchema, {
        NODE_ENV: 'test',
        JWT_SECRET: TEST_JWT_SECRET,
        DATABASE_URL: db.url,
        USER_SYNC_INTERVAL_SECONDS: '0',
      }),
      { logger: false },
    );
  });
  afterAll(async () => {
    await app.close();
    await client.end();
    await db.drop();
  });

  it('moves every check-in into attendance, statuses and timestamps intact', async () => {
    const { rows } = await client.query<Row>(
      `SELECT event_id, user_id, name, surname, status, motivazione,
              to_char(scanned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS scanned_at,
              to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS updated_at,
              updated_by
         FROM attendance ORDER BY event_id, user_id`,
    );
    const row = (event_id: string, user_id: number, rest: Partial<Row>): Row => ({
      event_id,
      user_id,
      name: '',
      surname: '',
      status: 'present',
      motivazione: null,
      scanned_at: null,
      updated_at: '',
      updated_by: null,
      ...rest,
    });
    expect(rows).toEqual([
      row(`${LONG}-2025-06-01`, 7, {
        name: 'Alice',
        surname: 'Rossi',
        scanned_at: '2025-06-01T10:00:00Z',
        updated_at: '2025-06-01T10:00:00Z',
      }),
      // Scanned after the second event was created: the shared table's row goes to it.
      row(`${LONG}-2025-06-02`, 8, {
        name: 'Bruno',
        surname: 'Bianchi',
        scanned_at: '2025-06-02T10:00:00Z',
        updated_at: '2025-06-02T10:00:00Z',
      }),
      row('daily-check-2025-06-09', 1, {
        name: 'Ada',
        surname: 'Admin',
        status: 'not_registered',
        updated_at: '2025-06-09T07:00:00Z',
      }),
      row('daily-check-2025-06-09', 7, {
        name: 'Alice',
        surname: 'Rossi',
        status: 'not_registered',
        updated_at: '2025-06-09T07:00:00Z',
      }),
      row('daily-check-2025-06-09', 8, {
        name: 'Bruno',
        surname: 'Bianchi',
        status: 'not_registered',
        updated_at: '2025-06-09T07:00:00Z',
      }),
      row('daily-check-2025-06-09', 9, {
        name: 'Carla',
        surname: 'Verdi',
        scanned_at: '2025-06-09T07:30:00Z',
        updated_at: '2025-06-09T07:30:00Z',
      }),
      row('team-meeting-2099-06-10', 7, {
        name: 'Alice',
        surname: 'Rossi',
        scanned_at: '2025-06-10T08:01:02Z',
        updated_at: '2025-06-10T08:01:02Z',
      }),
      row('team-meeting-2099-06-10', 8, {
        name: 'Bruno',
        surname: 'Bianchi',
        status: 'hospital',
        motivazione: 'ricovero',
        scanned_at: '2025-06-10T08:05:00Z',
        updated_at: '2025-06-10T09:00:00Z',
        updated_by: 1,
      }),
    ]);
  });

  it('keeps every original table in legacy, with a report; drops the dead functions, views and fake row', async () => {
    const tables = await client.query<{ schema: string; t: string }>(
      `SELECT schemaname AS schema, tablename AS t FROM pg_tables
        WHERE schemaname IN ('public', 'legacy') ORDER BY 1, 2`,
    );
    // Both events' table names cut to these 63 bytes: one table for the two.
    const longTable = `attendance_${LONG.replaceAll('-', '_')}`.slice(0, 63);
    expect(tables.rows.map((r) => `${r.schema}.${r.t}`)).toEqual([
      `legacy.${longTable}`,
      'legacy.attendance_daily_check_2025_06_09',
      'legacy.attendance_ghost_2025_01_01',
      'legacy.attendance_team_meeting_2099_06_10',
      'legacy.dropped_views',
      'legacy.event_tables',
      'legacy.original_attendance_events',
      'legacy.unmapped_rows',
      'public.attendance',
      'public.attendance_events',
      'public.audit_outbox',
      'public.pgmigrations',
      'public.users',
    ]);
    const report = await client.query(
      'SELECT table_name, event_ids, rows::int, moved::int, unmapped::int FROM legacy.event_tables ORDER BY 1',
    );
    expect(report.rows).toEqual([
      {
        table_name: longTable,
        event_ids: [`${LONG}-2025-06-01`, `${LONG}-2025-06-02`],
        rows: 2,
        moved: 2,
        unmapped: 0,
      },
      {
        table_name: 'attendance_daily_check_2025_06_09',
        event_ids: ['daily-check-2025-06-09'],
        rows: 4,
        moved: 4,
        unmapped: 0,
      },
      { table_name: 'attendance_ghost_2025_01_01', event_ids: [], rows: 1, moved: 0, unmapped: 1 },
      {
        table_name: 'attendance_team_meeting_2099_06_10',
        event_ids: ['team-meeting-2099-06-10'],
        rows: 2,
        moved: 2,
        unmapped: 0,
      },
    ]);
    const unmapped = await client.query(
      'SELECT table_name, user_id, reason FROM legacy.unmapped_rows ORDER BY 1',
    );
    expect(unmapped.rows).toEqual([
      { table_name: 'attendance_ghost_2025_01_01', user_id: 7, reason: 'no_event' },
    ]);
    await expect(client.query('DELETE FROM legacy.attendance_ghost_2025_01_01')).rejects.toThrow(
      /read-only/,
    );
    const leftovers = await client.query(
      `SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public'
       UNION ALL SELECT viewname FROM pg_views WHERE schemaname = 'public'`,
    );
    expect(leftovers.rows).toEqual([]);
    const views = await client.query('SELECT view_name FROM legacy.dropped_views ORDER BY 1');
    expect(views.rows).toEqual([
      { view_name: 'automatic_qr_admin_monitoring' },
      { view_name: 'event_attendance_stats_automatic' },
    ]);
    const events = await client.query<{ event_id: string }>(
      'SELECT event_id FROM attendance_events ORDER BY event_id',
    );
    expect(events.rows.map((r) => r.event_id)).not.toContain('daily-2025-06-20');
    expect(events.rows).toHaveLength(4);
    const kept = await client.query(
      'SELECT count(*)::int AS n FROM legacy.original_attendance_events',
    );
    expect(kept.rows).toEqual([{ n: 5 }]);
  });

  it("keeps the original's users with their ids, roles and emails", async () => {
    const { rows } = await client.query(
      'SELECT id, name, last_name, email, role, deleted_at FROM users ORDER BY id',
    );
    expect(rows).toEqual([
      {
        id: 1,
        name: 'Ada',
        last_name: 'Admin',
        email: 'ada@example.com',
        role: 'admin',
        deleted_at: null,
      },
      {
        id: 7,
        name: 'Alice',
        last_name: 'Rossi',
        email: 'alice@example.com',
        role: 'user',
        deleted_at: null,
      },
      {
        id: 8,
        name: 'Bruno',
        last_name: 'Bianchi',
        email: 'bruno@example.com',
        role: 'user',
        deleted_at: null,
      },
      { id: 9, name: 'Carla', last_name: 'Verdi', email: null, role: 'user', deleted_at: null },
    ]);
  });

  it('serves the old events through the API and takes new check-ins on them', async () => {
    const admin = bearer(adminToken(1));
    const list = await app.inject({ url: '/qr/admin/events', headers: admin });
    const team = list
      .json<{ events: { event_id: string; statistics: unknown; expires_at: string }[] }>()
      .events.find((e) => e.event_id === 'team-meeting-2099-06-10');
    expect(team).toMatchObject({
      expires_at: '2099-06-10T23:59:59Z',
      statistics: {
        total_users: 2,
        present_count: 1,
        absent_count: 1,
        scanned_count: 2,
        attendance_rate: 50,
        status_breakdown: { present: 1, hospital: 1 },
      },
    });
    const daily = await app.inject({
      url: '/qr/admin/events/daily-check-2025-06-09/users',
      headers: admin,
    });
    // As in the original's report: only the one who scanned, not the pre-filled rows.
    expect(daily.json<{ users: { user_id: number }[] }>().users.map((u) => u.user_id)).toEqual([9]);

    const qr = await app.inject({
      url: '/qr/admin/events/team-meeting-2099-06-10/qr',
      headers: admin,
    });
    const content = qr.json<{ qr_content: string }>().qr_content;
    expect((await scan(app, userToken(9), content)).statusCode).toBe(201);
    expect((await scan(app, userToken(7), content)).statusCode).toBe(409);
  });
});

describe('upgrading a database with the early static attendance table', () => {
  it('keeps that table aside and copies its rows onto their events', async () => {
    const db = await createTestDatabase('user_legacy_static');
    const client = new pg.Client({ connectionString: db.url });
    try {
      await client.connect();
      await client.query(ORIGINAL_SCHEMA);
      await client.query(`
        INSERT INTO users (id, name, last_name) VALUES (7, 'Alice', 'Rossi');
        INSERT INTO attendance_events (event_id, event_name, date, qr_jwt, expires_at)
          VALUES ('e-2025-01-01', 'E', '2025-01-01', 'x', '2025-01-01 23:59:59');
        CREATE TABLE attendance (id serial PRIMARY KEY, user_id integer, event_id varchar(100),
          "timestamp" timestamp, status varchar(20), motivazione text);
        INSERT INTO attendance (user_id, event_id, "timestamp", status, motivazione) VALUES
          (7, 'e-2025-01-01', '2025-01-01 09:00:00', 'sick', NULL),
          (7, 'missing-event', '2025-01-01 09:00:00', 'presente', NULL);`);
      await migrateTestDatabase(db.url, MIGRATIONS);
      const moved = await client.query(
        'SELECT event_id, user_id, status, motivazione, scanned_at FROM attendance',
      );
      expect(moved.rows).toEqual([
        {
          event_id: 'e-2025-01-01',
          user_id: 7,
          status: 'hospital',
          motivazione: 'sick',
          scanned_at: null,
        },
      ]);
      const kept = await client.query('SELECT count(*)::int AS n FROM legacy.attendance');
      expect(kept.rows).toEqual([{ n: 2 }]);
    } finally {
      await client.end();
      await db.drop();
    }
  });
});
