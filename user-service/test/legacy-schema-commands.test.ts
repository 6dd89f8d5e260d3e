import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { runMigrations } from '@cloud-backend/shared';
import {
  ORIGINAL_PEOPLE,
  applyOriginalUserChain,
  createTestDatabase,
  deleteEventRowByHand,
  generateEventAsLive,
  migrateTestDatabase,
  originalPerson,
  scanAsLive,
  spawnTypeScript,
  syncUserAsLive,
  tokenUserOf,
  type TestDatabase,
} from '@cloud-backend/shared/testing';
import { dropLegacy as runDropLegacy } from '../src/legacy/drop-legacy.js';
import { logLegacyReport } from '../src/legacy/log-report.js';
import { readLegacyReport } from '../src/legacy/report.js';
import { MIGRATIONS } from './helper.js';

/**
 * An original user database (the fixtures' migration chain and the live code's writes) with
 * one event and its check-in, and a table left behind by an event deleted by hand: after the
 * upgrade, one row copied and one that maps to no event.
 */
async function buildOriginal(url: string, options: { orphan: boolean }): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await applyOriginalUserChain(client, {
      fakeDailyRow: { today: '2025-06-01', timestamp: '2025-06-01 04:00:00' },
    });
    const admin = originalPerson(1);
    const attendee = tokenUserOf(originalPerson(2));
    await syncUserAsLive(client, admin, '2025-06-01T07:00:00Z');
    await generateEventAsLive(client, {
      eventName: 'Kept',
      date: '2025-06-10',
      createdBy: admin.id,
      at: '2025-06-01T08:00:00Z',
    });
    await scanAsLive(client, {
      eventId: 'kept-2025-06-10',
      scanner: attendee,
      accounts: ORIGINAL_PEOPLE,
      at: '2025-06-10T08:00:00Z',
    });
    if (!options.orphan) return;
    await generateEventAsLive(client, {
      eventName: 'Orphan',
      date: '2025-01-01',
      createdBy: admin.id,
      at: '2025-01-01T08:00:00Z',
    });
    await scanAsLive(client, {
      eventId: 'orphan-2025-01-01',
      scanner: attendee,
      accounts: ORIGINAL_PEOPLE,
      at: '2025-01-01T10:00:00Z',
    });
    await deleteEventRowByHand(client, 'orphan-2025-01-01');
  } finally {
    await client.end();
  }
}

/** The command's logic, in this process, as the command runs it: exit code and output. */
async function dropLegacy(url: string, ...args: string[]) {
  const lines: string[] = [];
  const code = await runDropLegacy(
    url,
    { dryRun: args.includes('--dry-run'), discardUnmapped: args.includes('--discard-unmapped') },
    (line) => lines.push(`drop-legacy: ${line}`),
  );
  return { code, output: lines.join('\n') };
}

/** The command itself, as a process (`npm run drop-legacy -w user-service`). */
function dropLegacyCommand(url: string, ...args: string[]) {
  const run = spawnTypeScript(
    'src/legacy/drop-legacy-command.ts',
    { DATABASE_URL: url },
    { cwd: new URL('..', import.meta.url).pathname, args },
  );
  return run.exited.then((code) => ({ code, output: run.output() }));
}

async function tableCount(client: pg.Client, schema: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1',
    [schema],
  );
  return rows[0]?.n ?? 0;
}

describe('the legacy schema after an upgrade from the original', () => {
  let db: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase('user_legacy_commands');
    await buildOriginal(db.url, { orphan: true });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await migrateTestDatabase(db.url, MIGRATIONS);
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  it('is reported at every start: INFO for the copy, WARN for rows in no report', async () => {
    const lines: { level: number; msg: string }[] = [];
    const log = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) },
    );
    logLegacyReport(log, await readLegacyReport(client as unknown as pg.Pool));
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [
        30,
        "the original's 2 attendance table(s) are kept read-only in schema legacy (1 row(s) " +
          'copied into attendance); once checked, `npm run drop-legacy -w user-service` removes ' +
          'them (docs/switch-over.md)',
      ],
      [
        40,
        "1 row(s) of the original's attendance tables are not in any event's report and stay " +
          'only in schema legacy (attendance_orphan_2025_01_01: 1 no_event); see ' +
          'legacy.unmapped_rows and docs/switch-over.md',
      ],
    ]);
  });

  it('a down migration refuses while attendance holds check-ins, and changes nothing', async () => {
    const down = runMigrations({
      databaseUrl: db.url,
      dir: MIGRATIONS,
      log: pino({ level: 'silent' }),
      direction: 'down',
      count: Infinity,
    });
    await expect(down).rejects.toThrow(/attendance holds 1 check-in\(s\); a down migration never/);
    const kept = await client.query('SELECT event_id, user_id FROM attendance');
    expect(kept.rows).toEqual([{ event_id: 'kept-2025-06-10', user_id: 2 }]);
    expect(await tableCount(client, 'legacy')).toBeGreaterThan(0);
  });

  it(
    'drop-legacy refuses while a row was never copied, then drops only when told to',
    { timeout: 120_000 },
    async () => {
      const refused = await dropLegacy(db.url);
      expect(refused.code).toBe(1);
      expect(refused.output).toContain(
        'drop-legacy: refused: 1 row(s) were never copied into attendance ' +
          '(attendance_orphan_2025_01_01: 1 no_event)',
      );
      expect(await tableCount(client, 'legacy')).toBe(6);

      const dry = await dropLegacy(db.url, '--dry-run', '--discard-unmapped');
      expect(dry.code).toBe(0);
      expect(dry.output).toContain('would drop schema legacy: 2 table(s), 2 row(s)');
      expect(await tableCount(client, 'legacy')).toBe(6);

      const dropped = await dropLegacy(db.url, '--discard-unmapped');
      expect(dropped.output).toContain('dropped schema legacy: 2 table(s), 2 row(s)');
      expect(dropped.code).toBe(0);
      expect(await tableCount(client, 'legacy')).toBe(0);
      const kept = await client.query('SELECT count(*)::int AS n FROM attendance');
      expect(kept.rows).toEqual([{ n: 1 }]);

      const again = await dropLegacy(db.url);
      expect(again.code).toBe(0);
      expect(again.output).toContain('there is no legacy schema: nothing to drop');
    },
  );

  it(
    'drop-legacy refuses when a copied check-in has vanished from attendance',
    { timeout: 120_000 },
    async () => {
      const other = await createTestDatabase('user_legacy_vanished');
      const c = new pg.Client({ connectionString: other.url });
      try {
        await buildOriginal(other.url, { orphan: false });
        await c.connect();
        await migrateTestDatabase(other.url, MIGRATIONS);
        await c.query(`DELETE FROM attendance WHERE event_id = 'kept-2025-06-10'`);
        const refused = await dropLegacy(other.url);
        expect(refused.code).toBe(1);
        expect(refused.output).toContain(
          'refused: 1 row(s) of legacy.attendance_kept_2025_06_10 are no longer in attendance',
        );
        // Once the event itself is deleted, its rows are accounted for.
        await c.query(`DELETE FROM attendance_events WHERE event_id = 'kept-2025-06-10'`);
        expect((await dropLegacy(other.url)).code).toBe(0);
      } finally {
        await c.end();
        await other.drop();
      }
    },
  );

  it(
    'the command: a bad argument or a missing database is one line and exit 2',
    { timeout: 120_000 },
    async () => {
      const [bad, nowhere, refused] = await Promise.all([
        dropLegacyCommand(db.url, '--force'),
        dropLegacyCommand('postgres://nobody:x@127.0.0.1:1/none'),
        dropLegacyCommand(db.url),
      ]);
      expect(bad.code).toBe(2);
      expect(bad.output.trim().split('\n')[0]).toBe('drop-legacy: unknown argument --force');
      expect(nowhere.code).toBe(2);
      expect(nowhere.output.trim().split('\n')).toHaveLength(1);
      expect(nowhere.output).toMatch(/^drop-legacy: .*ECONNREFUSED/);
      // Here the schema is gone (dropped above): the command says so, exit 0.
      expect(refused).toEqual({
        code: 0,
        output: 'drop-legacy: there is no legacy schema: nothing to drop\n',
      });
    },
  );
});
