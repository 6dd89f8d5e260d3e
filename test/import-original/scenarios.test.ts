/**
 * make import-original on the faithful fixtures of the original (@cloud-backend/shared/testing:
 * each generation of its user database, built as its migration files and code built them; its
 * auth database; its empty social-log database), backed up as its pg-backup job did. Every row
 * of every per-event table the fixture describes must, after the import, be in `attendance`
 * (one of its table's events, same user, scan time to the second, status, reason) or be listed
 * in legacy.unmapped_rows; every account must be there.
 *
 * Two of the four generations go through the command, not all four. What differs between them
 * is the shape of the user database, and the part of the import that depends on it is the
 * user-service's migrations, which run every generation elsewhere
 * (user-service/test/legacy-upgrade.test.ts, test/switch-over/). The import's own part, its
 * restore of the dump and its count of every check-in before and after, is shown on:
 *   - first-0001, the oldest deployments: the early static `attendance` table, the 7-column
 *     tables of the code before 0008 with its status words (whose retro-fit by 0008 failed, as
 *     in keep-going), then 0008 to 0013 and the live code as in keep-going; in pg_dump 17.6's
 *     form (\restrict, transaction_timeout);
 *   - keep-going-retrofit: live-shaped tables that 0008 and 0012 retro-fitted, the deleted
 *     0009's triggers and their function in the dump, a table 0012's function made, a name cut
 *     to 63 bytes; by the installed pg_dump 15.
 * on-error-stop holds a subset of those objects (the files stopped at 0006). keep-going's only
 * other shapes are a table no event maps to (import.test.ts's fixture has one) and the status
 * words vacation and other, which checks.test.ts reads through the import's check.
 */
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningPostgres } from '@cloud-backend/shared/dev';
import {
  buildOriginalAuthDatabase,
  buildOriginalUserScenario,
  createOriginalDatabase,
  postgresAdminUrl,
  writeOriginalBackup,
  type OriginalCheckIn,
  type OriginalDatabase,
  type OriginalPgDump,
  type OriginalUserVariant,
} from '@cloud-backend/shared/testing';
import { devAdminUrl, importOriginal, query } from './support/command.js';
import { startDevPostgres } from './support/dev-postgres.js';

const RUN_MS = 300_000;
const NIGHT = new Date('2025-06-23T02:00:00Z');

let work: string;
let env: { DEV_DATA_DIR: string; DEV_POSTGRES_PORT: string };
let server: RunningPostgres | undefined;
const made: OriginalDatabase[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'import-scenarios-'));
  // As root, make dev's PostgreSQL runs as "postgres", which must reach the data folder.
  await chmod(work, 0o755);
  const dataDir = join(work, 'data');
  await mkdir(dataDir);
  const port = await freePort();
  env = { DEV_DATA_DIR: dataDir, DEV_POSTGRES_PORT: String(port) };
  server = await startDevPostgres(env);
}, RUN_MS);

afterAll(async () => {
  await server?.stop();
  for (const db of made) await db.drop();
  await rm(work, { recursive: true, force: true });
});

interface After {
  event_id: string;
  user_id: number;
  scanned_at: string | null;
  status: string;
  motivazione: string | null;
}

/** To the second, in UTC; a time without a zone is the original's wall-clock UTC. */
const second = (iso: string | null) =>
  iso === null
    ? null
    : new Date(/[Zz]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`).toISOString().slice(0, 19);

const SEVEN = [
  'present',
  'not_registered',
  'hospital',
  'family',
  'emergency',
  'vacancy',
  'personal',
];
const EARLIER: Record<string, string> = {
  presente: 'present',
  vacation: 'vacancy',
  sick: 'hospital',
  business: 'personal',
  other: 'personal',
};

/** The status the port shows for a row of the original (docs/compatibility.md). */
function portStatus(c: OriginalCheckIn): string {
  if (c.status === null) return 'not_registered';
  if (SEVEN.includes(c.status)) return c.status;
  return EARLIER[c.status] ?? 'not_registered';
}

/** Its reason: the original's, or the earlier code's word the new status alone would lose. */
function portReason(c: OriginalCheckIn): string | null {
  if (c.motivazione) return c.motivazione;
  return c.status === 'sick' || c.status === 'business' || c.status === 'other' ? c.status : null;
}

describe("make import-original on each generation of the original's databases", () => {
  it.each([
    ['first-0001', '17.6'],
    ['keep-going-retrofit', 'installed'],
  ] as const satisfies readonly (readonly [OriginalUserVariant, OriginalPgDump])[])(
    '%s (backups by pg_dump %s)',
    async (variant, pgDump) => {
      const admin = postgresAdminUrl();
      const auth = await createOriginalDatabase(admin, 'auth_admin');
      const users = await createOriginalDatabase(admin, 'user_admin');
      const social = await createOriginalDatabase(admin, 'social_admin');
      made.push(auth, users, social);
      const accounts = await buildOriginalAuthDatabase(auth.url, 'fresh');
      const scenario = await buildOriginalUserScenario(users.url, variant);

      const folder = await mkdtemp(join(work, `${variant}-`));
      const options = { pgDump } as const;
      await writeOriginalBackup(folder, auth.url, 'auth_logs_db', NIGHT, options);
      await writeOriginalBackup(folder, users.url, 'users_db', NIGHT, options);
      await writeOriginalBackup(folder, social.url, 'social_logs_db', NIGHT, options);

      const result = await importOriginal({ ...env, DUMPS: folder, REPLACE: '1' });
      expect(result.code, result.stdout + result.stderr).toBe(0);

      const port = Number(env.DEV_POSTGRES_PORT);
      const usersUrl = await devAdminUrl(env.DEV_DATA_DIR, port, 'users');
      const after = await query<After>(
        usersUrl,
        `SELECT event_id, user_id, status, motivazione,
                to_char(scanned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS scanned_at
           FROM attendance`,
      );
      const unmapped = await query<{ table_name: string; row_id: number }>(
        usersUrl,
        'SELECT table_name, row_id FROM legacy.unmapped_rows',
      );
      const moved = (c: OriginalCheckIn) =>
        after.some(
          (a) =>
            c.eventIds.includes(a.event_id) &&
            a.user_id === c.user_id &&
            a.scanned_at === second(c.scanned_at ?? c.timestamp) &&
            a.status === portStatus(c) &&
            a.motivazione === portReason(c),
        );
      const listed = (c: OriginalCheckIn) =>
        unmapped.some((u) => u.table_name === c.table && u.row_id === c.id);
      const missing = scenario.database.checkIns.filter((c) => !moved(c) && !listed(c));
      expect(missing).toEqual([]);
      expect(scenario.database.checkIns.length).toBeGreaterThan(0);

      const authUrl = await devAdminUrl(env.DEV_DATA_DIR, port, 'auth');
      const ids = (await query<{ id: number }>(authUrl, 'SELECT id FROM users')).map((r) => r.id);
      for (const account of accounts.accounts) expect(ids).toContain(account.id);
    },
    RUN_MS,
  );
});
