/**
 * make import-original against make dev's embedded PostgreSQL, as real processes, on backups
 * made the way the original's pg-backup made them (pg_dump <db> | gzip) from databases shaped
 * as the original left them (support/original.ts). The tests run in order: the first import
 * starts the server itself; the later ones find it running, as after `make dev`. Refusals,
 * which end before anything is imported, run the command's run in this process (the script
 * around it is shown in bad-input.test.ts, with the backups refused before the target opens).
 */
import { connect } from 'node:net';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@cloud-backend/shared/dev';
import type { RunningPostgres } from '@cloud-backend/shared/dev';
import { postgresAdminUrl } from '@cloud-backend/shared/testing';
import {
  devAdminUrl,
  dropLegacy,
  expectOneLine,
  importInProcess,
  importOriginal,
  numbers,
  query,
  rowCounts,
  targetSnapshot,
  writtenReport,
} from './support/command.js';
import { startDevPostgres } from './support/dev-postgres.js';
import {
  ACCOUNTS,
  CONFLICTING_EMAIL,
  asNewerPgDump,
  CHECKINS,
  createOriginalDatabases,
  EVENTS,
  ORPHAN_ROWS,
  TABLES,
  writeBackups,
  type OriginalDatabases,
} from './support/original.js';

const RUN_MS = 180_000;

let work: string;
let dumps: string;
let dataDir: string;
let port: number;
let originals: OriginalDatabases;
let server: RunningPostgres | undefined;
let env: { DEV_DATA_DIR: string; DEV_POSTGRES_PORT: string };

const admin = (database = 'postgres') => devAdminUrl(dataDir, port, database);

function listening(onPort: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(onPort, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stagingLeft(): Promise<string[]> {
  const rows = await query<{ datname: string }>(
    await admin(),
    `SELECT datname FROM pg_database WHERE datname ~ '^(auth|users|social_logs)_import_'`,
  );
  return rows.map((row) => row.datname);
}

interface AttendanceRow {
  event_id: string;
  user_id: number;
  scanned_at: string | null;
  status: string;
  motivazione: string | null;
}

async function attendanceAfter(): Promise<AttendanceRow[]> {
  return query<AttendanceRow>(
    await admin('users'),
    `SELECT event_id, user_id, status, motivazione,
            to_char(scanned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS scanned_at
       FROM attendance ORDER BY event_id, user_id`,
  );
}

function expectEveryCheckin(rows: AttendanceRow[]): void {
  for (const checkin of CHECKINS) expect(rows).toContainEqual(checkin);
  expect(rows).toHaveLength(CHECKINS.length);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'import-original-'));
  // As root, make dev's PostgreSQL runs as "postgres", which must reach the data folder.
  await chmod(work, 0o755);
  dumps = join(work, 'backups');
  dataDir = join(work, 'data');
  await mkdir(dumps);
  port = await freePort();
  env = { DEV_DATA_DIR: dataDir, DEV_POSTGRES_PORT: String(port) };
  originals = await createOriginalDatabases(postgresAdminUrl());
  const files = await writeBackups(originals, dumps, '2025-06-20_02-00-00');
  // An older night too, which only its name tells apart: the newest of each database is the
  // one taken.
  for (const file of Object.values(files))
    await copyFile(file, file.replace('_2025-06-20_', '_2025-06-19_'));
}, RUN_MS);

afterAll(async () => {
  await server?.stop();
  await originals.drop();
  await rm(work, { recursive: true, force: true });
});

describe('make import-original into make dev', () => {
  it(
    'starts the server, imports every check-in with its user, event, time, status and reason, reports and stops it',
    async () => {
      const result = await importOriginal({ ...env, DUMPS: dumps });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/accounts: 5 before, 5 after/);
      expect(result.stdout).toMatch(/email "carla@example.com": users 3, 5/);
      expect(result.stdout).toMatch(/check-ins: 9 before, 7 after \(2 not moved/);
      expect(result.stdout).toContain('_2025-06-20_02-00-00.sql.gz');
      expect(await listening(port)).toBe(false);

      server = await startDevPostgres(env);
      expectEveryCheckin(await attendanceAfter());
      const [accounts] = await query<{ n: string }>(
        await admin('auth'),
        'SELECT count(*) AS n FROM users',
      );
      expect(Number(accounts?.n)).toBe(ACCOUNTS);
      const unmapped = await query<{ table_name: string; reason: string }>(
        await admin('users'),
        'SELECT table_name, reason FROM legacy.unmapped_rows',
      );
      expect(unmapped).toHaveLength(ORPHAN_ROWS);
      expect(unmapped.every((u) => u.table_name === TABLES.orphan && u.reason === 'no_event')).toBe(
        true,
      );

      const report = await writtenReport(result.stdout);
      expect(report.swapped).toBe(true);
      expect(report.lost).toEqual([]);
      expect(report.conflicts).toContainEqual({
        kind: 'email',
        key: CONFLICTING_EMAIL,
        user_ids: [3, 5],
      });
      expect(report.events).toMatchObject({ before: 6, after: 5 });
      const perEvent = (
        report.checkins as {
          perEvent: { event_id: string; before: number | null; after: number }[];
        }
      ).perEvent;
      expect(perEvent.find((e) => e.event_id === EVENTS.meeting)).toMatchObject({
        before: 3,
        after: 3,
      });
      expect(perEvent.find((e) => e.event_id === EVENTS.noTable)).toMatchObject({
        before: null,
        after: 0,
      });
      expect(await stagingLeft()).toEqual([]);
    },
    RUN_MS,
  );

  it(
    "gives the imported objects to the port's roles, with the read-only role's SELECT",
    async () => {
      const secrets = JSON.parse(await readFile(join(dataDir, 'dev-secrets.json'), 'utf8')) as {
        roles: Record<string, string>;
      };
      const owners = await query<{ owner: string }>(
        await admin('users'),
        `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname IN ('public', 'legacy') AND c.relkind IN ('r', 'v', 'S')`,
      );
      expect(owners).toEqual([{ owner: 'user_service' }]);
      const asReader = `postgres://users_readonly:${secrets.roles.users_readonly ?? ''}@127.0.0.1:${port}/users`;
      const [row] = await query<{ n: string }>(asReader, 'SELECT count(*) AS n FROM attendance');
      expect(Number(row?.n)).toBe(CHECKINS.length);
      await expect(query(asReader, 'DELETE FROM attendance')).rejects.toThrow(/read-only/);
    },
    RUN_MS,
  );

  it(
    'make drop-legacy refuses while rows of the original were never copied; a dry run says what would go',
    async () => {
      const refused = await dropLegacy(env);
      expect(refused.code, refused.stdout + refused.stderr).toBe(1);
      expect(refused.stdout).toMatch(
        new RegExp(`refused: ${String(ORPHAN_ROWS)} row\\(s\\) were never copied into attendance`),
      );
      const dry = await dropLegacy({ ...env, DRY_RUN: '1', DISCARD_UNMAPPED: '1' });
      expect(dry.code, dry.stdout + dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(/would drop schema legacy: \d+ table\(s\), \d+ row\(s\)/);
      const [kept] = await query<{ n: string }>(
        await admin('users'),
        `SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'legacy'`,
      );
      expect(Number(kept?.n)).toBe(1);
    },
    RUN_MS,
  );

  it(
    'refuses a target that holds data unless REPLACE=1, and leaves it as it was',
    async () => {
      const before = await targetSnapshot(await admin());
      expectOneLine(
        await importInProcess({ ...env, DUMPS: dumps }),
        /already hold data.*REPLACE=1/,
      );
      expect(await targetSnapshot(await admin())).toBe(before);
    },
    RUN_MS,
  );

  it(
    'DRY_RUN=1 changes nothing and reports the numbers the real run reports; REPLACE=1 keeps the old databases and GO_BACK puts them back',
    async () => {
      // A mark in the port's current data, to tell the kept databases from the imported ones.
      await query(await admin('auth'), `UPDATE users SET name = 'kept-mark' WHERE id = 1`);
      const before = await targetSnapshot(await admin());

      const dry = await importOriginal({ ...env, DUMPS: dumps, DRY_RUN: '1', REPLACE: '1' });
      expect(dry.code, dry.stdout + dry.stderr).toBe(0);
      expect(dry.stdout).toContain('DRY RUN');
      expect(await targetSnapshot(await admin())).toBe(before);
      expect(await stagingLeft()).toEqual([]);

      const real = await importOriginal({ ...env, DUMPS: dumps, REPLACE: '1' });
      expect(real.code, real.stdout + real.stderr).toBe(0);
      const dryReport = await writtenReport(dry.stdout);
      const realReport = await writtenReport(real.stdout);
      expect(numbers(realReport)).toEqual(numbers(dryReport));
      expect(dryReport.swapped).toBe(false);
      expect(realReport.swapped).toBe(true);

      const stamp = /GO_BACK=(\d{8}_\d{6})/.exec(real.stdout)?.[1] ?? '';
      expect(stamp).not.toBe('');
      const names = (
        await query<{ datname: string }>(
          await admin(),
          'SELECT datname FROM pg_database ORDER BY 1',
        )
      ).map((row) => row.datname);
      for (const db of ['auth', 'users', 'social_logs'])
        expect(names).toContain(`${db}_before_import_${stamp}`);
      const nameNow = async () =>
        (
          await query<{ name: string }>(await admin('auth'), 'SELECT name FROM users WHERE id = 1')
        )[0]?.name;
      expect(await nameNow()).toBe('Anna');

      const back = await importOriginal({ ...env, GO_BACK: stamp });
      expect(back.code, back.stdout + back.stderr).toBe(0);
      expect(await nameNow()).toBe('kept-mark');
      expect(await targetSnapshot(await admin())).toContain(`auth_imported_${stamp}`);
    },
    RUN_MS * 2,
  );

  it(
    'refuses while a service is connected, saying to stop make dev',
    async () => {
      const service = new pg.Client({ connectionString: await admin('users') });
      await service.connect();
      try {
        const before = await targetSnapshot(await admin());
        const result = await importInProcess({ ...env, DUMPS: dumps, REPLACE: '1' });
        expectOneLine(result, /connection\(s\) to the port's database users.*stop make dev/);
        expect(await targetSnapshot(await admin())).toBe(before);
      } finally {
        await service.end();
      }
    },
    RUN_MS,
  );

  it(
    'imports a dump of a newer pg_dump (\\restrict, SET transaction_timeout)',
    async () => {
      const newer = join(work, 'newer');
      await mkdir(newer);
      for (const db of ['auth_logs_db', 'users_db', 'social_logs_db']) {
        const file = `${db}_2025-06-20_02-00-00.sql.gz`;
        await copyFile(join(dumps, file), join(newer, file));
        await asNewerPgDump(join(newer, file));
      }
      const result = await importOriginal({ ...env, DUMPS: newer, REPLACE: '1' });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain('pg_dump 17.6');
      expect(result.stdout).toMatch(
        /skipped \(line \d+\): SET transaction_timeout = 0: this PostgreSQL has no setting transaction_timeout/,
      );
      expectEveryCheckin(await attendanceAfter());
    },
    RUN_MS,
  );

  it(
    'imports from the live databases, with pg_dump and without it, never writing to them',
    async () => {
      const urls = {
        ORIGINAL_AUTH_URL: originals.urls.auth_logs_db,
        ORIGINAL_USER_URL: originals.urls.users_db,
        ORIGINAL_SOCIAL_URL: originals.urls.social_logs_db,
      };
      const sourceBefore = await Promise.all(Object.values(originals.urls).map(liveSnapshot));

      const withPgDump = await importOriginal({ ...env, ...urls, REPLACE: '1' });
      expect(withPgDump.code, withPgDump.stdout + withPgDump.stderr).toBe(0);
      expect(withPgDump.stdout).toMatch(/read with pg_dump/);
      expectEveryCheckin(await attendanceAfter());

      const without = await importOriginal({
        ...env,
        ...urls,
        REPLACE: '1',
        IMPORT_WITHOUT_PG_DUMP: '1',
      });
      expect(without.code, without.stdout + without.stderr).toBe(0);
      expect(without.stdout).toMatch(/read without pg_dump/);
      expectEveryCheckin(await attendanceAfter());
      expect(numbers(await writtenReport(without.stdout))).toEqual(
        numbers(await writtenReport(withPgDump.stdout)),
      );
      expect(await Promise.all(Object.values(originals.urls).map(liveSnapshot))).toEqual(
        sourceBefore,
      );
    },
    RUN_MS * 2,
  );
});

/** Tables and row counts of an original database, to show the import wrote nothing there. */
async function liveSnapshot(url: string): Promise<string> {
  return JSON.stringify(await rowCounts(url));
}

describe('a backup refused once restored: one clear line, the target as it was', () => {
  it(
    'a dump of the wrong database (users named auth)',
    async () => {
      const folder = await mkdtemp(join(work, 'wrong-'));
      for (const db of ['users_db', 'social_logs_db']) {
        const file = `${db}_2025-06-20_02-00-00.sql.gz`;
        await copyFile(join(dumps, file), join(folder, file));
      }
      await copyFile(
        join(dumps, 'users_db_2025-06-20_02-00-00.sql.gz'),
        join(folder, 'auth_logs_db_2025-06-20_02-00-00.sql.gz'),
      );
      const before = await targetSnapshot(await admin());
      expectOneLine(
        await importInProcess({ ...env, DUMPS: folder, REPLACE: '1' }),
        /auth_logs_db_2025-06-20_02-00-00\.sql\.gz .* is not a dump of auth_logs_db: it holds users_db/,
      );
      expect(await targetSnapshot(await admin())).toBe(before);
      expect(await stagingLeft()).toEqual([]);
    },
    RUN_MS,
  );
});
