import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ORIGINAL_USER_VARIANTS,
  applyOriginalUserChain,
  buildOriginalUserScenario,
  captureUserSnapshot,
  createLocalUserAsCode,
  createTestDatabase,
  readSnapshot,
  storedTableName,
  type TestDatabase,
  type UserSnapshot,
} from '../src/testing/index.js';

async function connected<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A committed snapshot without the note of where it was captured from. */
function withoutSource<T extends object>(snapshot: T & { source?: unknown }): T {
  const rest: Record<string, unknown> = { ...snapshot };
  delete rest.source;
  return rest as T;
}

describe('the original user database, built by the fixtures, equals the one its real files build', () => {
  for (const variant of ORIGINAL_USER_VARIANTS) {
    it(`${variant}: same catalogue, failed statements, data, views and functions`, async () => {
      const db = await createTestDatabase('original');
      try {
        const ours = await captureUserSnapshot(db.url, variant);
        const real = withoutSource(await readSnapshot<UserSnapshot>(`user-${variant}`));
        // Compared part by part, so that a difference names the part it is in.
        expect(ours.chain).toEqual(real.chain);
        expect(ours.catalog).toEqual(real.catalog);
        expect(ours.sequences).toEqual(real.sequences);
        expect(ours.actions).toEqual(real.actions);
        expect(ours.database).toEqual(real.database);
        expect(ours.behaviour).toEqual(real.behaviour);
      } finally {
        await db.drop();
      }
    }, 120_000);
  }
});

describe('the original user-database fixtures', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('original');
  });
  afterAll(() => db.drop());

  it('fail on the statements the real files fail on, and stop there with stopOnError', async () => {
    const stopped = await createTestDatabase('original');
    try {
      const result = await connected(stopped.url, (client) =>
        applyOriginalUserChain(client, { stopOnError: true }),
      );
      expect(result.stopped).toBe(true);
      expect(result.files.map((file) => file.file).at(-1)).toBe('0006_add_auth_fields_to_users');
      expect(result.failures).toEqual([
        {
          file: '0006_add_auth_fields_to_users',
          statement: 3,
          sqlstate: '42703',
          message: 'column "timestamp" does not exist',
        },
      ]);
    } finally {
      await stopped.drop();
    }
  });

  it("fix 0013's date and random time when asked, and back-fill users present before 0006", async () => {
    const result = await connected(db.url, async (client) => {
      const chain = await applyOriginalUserChain(client, {
        first0001: true,
        fakeDailyRow: { today: '2025-06-30', timestamp: '2025-06-30T05:06:07Z' },
        before: {
          '0006_add_auth_fields_to_users': async (before) => {
            await createLocalUserAsCode(before, {
              name: 'Anna',
              lastName: 'Neri',
              status: 'active',
            });
          },
        },
      });
      const { rows: users } = await client.query(
        'select id, email, username, created_at is not null as dated from users',
      );
      const { rows: events } = await client.query<{ event_id: string; stamp: string }>(
        `select event_id, to_char("timestamp", 'YYYY-MM-DD HH24:MI:SS') as stamp
           from attendance_events`,
      );
      return { chain, users, events };
    });
    expect(result.chain.failures.map((failure) => failure.file)).toEqual([
      '0010_ensure_name_surname_columns',
    ]);
    expect(result.users).toEqual([
      { id: 1, email: 'user1@local.system', username: 'user1', dated: true },
    ]);
    expect(result.events).toHaveLength(1);
    expect(result.events[0]?.event_id).toBe('daily-2025-06-30');
  });

  it('lists every check-in of a populated scenario, with the events its table maps to', async () => {
    const other = await createTestDatabase('original');
    try {
      const scenario = await buildOriginalUserScenario(other.url, 'keep-going');
      const longTable = scenario.database.tables.find((table) => table.eventIds.length === 2);
      expect(longTable?.table).toBe(
        storedTableName('assemblea-generale-straordinaria-dei-soci-e-dei-volontari-2025-06-22'),
      );
      // A row written by the code before 0008: the status the scanner chose, no scanned_at.
      expect(scenario.database.checkIns).toContainEqual(
        expect.objectContaining({
          table: 'attendance_riunione_staff_2025_06_09',
          eventIds: ['riunione-staff-2025-06-09'],
          user_id: 3,
          status: 'vacation',
          motivazione: 'ferie in Sardegna',
          scanned_at: null,
          timestamp: '2025-06-09T13:31:00',
        }),
      );
      // A table left behind by an event row deleted by hand maps to no event.
      expect(scenario.database.tables).toContainEqual(
        expect.objectContaining({
          table: 'attendance_cena_sociale_2025_06_26',
          eventIds: [],
          rows: 2,
        }),
      );
      // The event whose table could never be made.
      expect(scenario.database.events.map((event) => event.event_id)).toContain(
        "festa-dell'unità-2025-06-24",
      );
      expect(scenario.database.tables.map((table) => table.table)).not.toContain(
        storedTableName("festa-dell'unità-2025-06-24"),
      );
    } finally {
      await other.drop();
    }
  }, 60_000);
});
