/**
 * Populated user databases as deployments of the original left them, one per way its
 * migration files were run, each written over time by the code of each period:
 *
 * - `keep-going`: every file with psql's default (keep going). Before 0008 the code of that
 *   time made 7-column tables and stored the statuses scanners chose (`presente`, …); then
 *   0008–0013 ran (their retro-fit of those tables fails, see below); then the live code.
 * - `on-error-stop`: the files run with ON_ERROR_STOP, which stops in 0006; the live code then
 *   ran against what exists (no 0007–0013 objects).
 * - `first-0001`: the oldest deployments: the first 0001 (a `timestamp` column), users made by
 *   `POST /users` before 0006, the first 0004's static `attendance` table with check-ins of
 *   the earliest code, tables of the code before 0008, then the rest of the files and the live
 *   code.
 * - `keep-going-retrofit`: like `keep-going` but with live-shaped tables (and the deleted
 *   0009's triggers) existing when 0008 and 0012 ran, so their retro-fit succeeds; a table made
 *   by 0012's function and scanned by the live code.
 *
 * Each returns what the chain refused, every request it replayed with its answer, and the
 * database read back (users, events, tables, every check-in).
 */

import pg from 'pg';
import { describeOriginalUserDatabase, type OriginalUserDatabaseDescription } from './describe.js';
import { storedTableName } from './event-tables.js';
import {
  deleteEventRowByHand,
  generateEventAsEarlyCode,
  generateEventAsPre0008Code,
  installTriggersOf0009,
  scanAsEarlyCode,
  scanAsPre0008Code,
  setupTableWith0012Function,
} from './older-generations.js';
import {
  EARLY_LOCAL_USERS,
  ORIGINAL_PEOPLE,
  originalPerson,
  type OriginalAccount,
} from './people.js';
import {
  applyOriginalUserChain,
  type ChainRunner,
  type OriginalUserFile,
  type UserChainResult,
} from './user-chain.js';
import type { FakeDailyRowSettings } from './user-chain-sql.js';
import {
  createLocalUserAsCode,
  deleteEventAsLive,
  generateEventAsLive,
  insertEventRow,
  scanAsLive,
  syncUserAsLive,
  tokenUserOf,
  type GenerateInput,
} from './user-data.js';
import type { WriteError } from './write-helpers.js';

export const ORIGINAL_USER_VARIANTS = [
  'keep-going',
  'on-error-stop',
  'first-0001',
  'keep-going-retrofit',
] as const;

export type OriginalUserVariant = (typeof ORIGINAL_USER_VARIANTS)[number];

/** Which code (or person) did something. */
export type Era = 'earliest code' | 'code before 0008' | 'live code' | 'operator';

/** One request (or hand-made change) the scenario replayed, and how it ended. */
export interface ScenarioAction {
  at: string;
  era: Era;
  /** E.g. `scan riunione-staff-2025-06-09 by 2`. */
  what: string;
  /** The HTTP status the handler answered (absent for an operator's change). */
  status?: number;
  outcome?: string;
  reason?: string;
  errors: WriteError[];
}

export interface OriginalUserScenario {
  variant: OriginalUserVariant;
  /** What the migration files refused, over all the runs of the chain. */
  chain: UserChainResult;
  actions: ScenarioAction[];
  /** The database as the scenario left it. */
  database: OriginalUserDatabaseDescription;
}

export interface ScenarioOptions {
  /** Who runs the migration files (default: our SQL; capture-catalog runs the real files). */
  runner?: ChainRunner;
  /** Fixes 0013's date and random timestamp (default: the server's date, random()). */
  fakeDailyRow?: FakeDailyRowSettings;
  /** The auth database's accounts (default: ORIGINAL_PEOPLE). */
  accounts?: readonly OriginalAccount[];
}

/** Long enough that two dates of it cut to the same 63-byte table name. */
export const LONG_EVENT_NAME = 'Assemblea generale straordinaria dei soci e dei volontari';

class Story {
  readonly actions: ScenarioAction[] = [];
  readonly chain: UserChainResult = { files: [], failures: [], stopped: false };

  constructor(
    readonly client: pg.Client,
    readonly databaseUrl: string,
    readonly options: ScenarioOptions,
    private readonly variant: { stopOnError: boolean; first0001: boolean; early0004: boolean },
  ) {}

  get accounts(): readonly OriginalAccount[] {
    return this.options.accounts ?? ORIGINAL_PEOPLE;
  }

  async files(from: OriginalUserFile, through: OriginalUserFile): Promise<void> {
    if (this.chain.stopped) return;
    const run = await applyOriginalUserChain(this.client, {
      ...this.variant,
      from,
      through,
      databaseUrl: this.databaseUrl,
      ...(this.options.runner ? { runner: this.options.runner } : {}),
      ...(this.options.fakeDailyRow ? { fakeDailyRow: this.options.fakeDailyRow } : {}),
    });
    this.chain.files.push(...run.files);
    this.chain.failures.push(...run.failures);
    this.chain.stopped = run.stopped;
  }

  record(
    at: string,
    era: Era,
    what: string,
    result: { status?: number; outcome?: string; reason?: string; errors: WriteError[] },
  ): void {
    this.actions.push({
      at,
      era,
      what,
      ...(result.status === undefined ? {} : { status: result.status }),
      ...(result.outcome === undefined ? {} : { outcome: result.outcome }),
      ...(result.reason === undefined ? {} : { reason: result.reason }),
      errors: result.errors,
    });
  }

  async copyAccount(at: string, id: number, era: Era): Promise<void> {
    const error = await syncUserAsLive(this.client, originalPerson(id), at);
    this.record(at, era, `copy account ${id} into users`, { errors: error ? [error] : [] });
  }

  async generate(at: string, input: Omit<GenerateInput, 'at'>): Promise<string> {
    const result = await generateEventAsLive(this.client, { ...input, at });
    this.record(at, 'live code', `generate ${result.eventId} by ${input.createdBy}`, {
      status: result.status,
      outcome: result.tableCreated ? 'table created' : 'no table',
      errors: result.errors,
    });
    return result.eventId;
  }

  async scan(at: string, eventId: string, accountId: number): Promise<void> {
    const scanner = tokenUserOf(originalPerson(accountId));
    const result = await scanAsLive(this.client, { eventId, scanner, accounts: this.accounts, at });
    this.record(at, 'live code', `scan ${eventId} by ${accountId}`, result);
  }

  async generatePre0008(at: string, input: Omit<GenerateInput, 'at'>): Promise<string> {
    const result = await generateEventAsPre0008Code(this.client, { ...input, at });
    this.record(at, 'code before 0008', `generate ${result.eventId} by ${input.createdBy}`, {
      status: result.status,
      outcome: result.tableCreated ? 'table created' : 'no table',
      errors: result.errors,
    });
    return result.eventId;
  }

  async scanPre0008(
    at: string,
    eventId: string,
    accountId: number,
    chosen: { status: string; motivazione?: string; copiesAccounts: boolean },
  ): Promise<void> {
    const result = await scanAsPre0008Code(this.client, {
      eventId,
      scanner: tokenUserOf(originalPerson(accountId)),
      status: chosen.status,
      ...(chosen.motivazione === undefined ? {} : { motivazione: chosen.motivazione }),
      ...(chosen.copiesAccounts ? { accounts: this.accounts } : {}),
      at,
    });
    this.record(
      at,
      'code before 0008',
      `scan ${eventId} by ${accountId} as ${chosen.status}`,
      result,
    );
  }

  /** The event id of 0013's made-up row (its date is the day the chain ran). */
  async fakeDailyEventId(): Promise<string | undefined> {
    const { rows } = await this.client.query<{ event_id: string }>(
      `select event_id from attendance_events where qr_jwt = 'sample.jwt.token.for.analytics'`,
    );
    return rows[0]?.event_id;
  }
}

/** The live code's part shared by the scenarios: events, scans, deletions, over June 2025. */
async function liveCodePeriod(story: Story, admin: number): Promise<void> {
  const soci = await story.generate('2025-06-20T08:00:00Z', {
    eventName: 'Assemblea Soci',
    date: '2025-06-20',
    createdBy: admin,
  });
  await story.generate('2025-06-20T08:05:00Z', {
    eventName: 'Corso Sicurezza',
    date: '2025-06-21',
    createdBy: admin,
  });
  await story.scan('2025-06-20T09:00:00Z', soci, 2);
  await story.scan('2025-06-20T09:01:00Z', soci, 7);
  await story.scan('2025-06-20T09:02:00Z', soci, 2);
  await story.scan('2025-06-20T09:03:00Z', soci, 6);
  await story.scan('2025-06-20T09:10:00Z', soci, 1);
  await story.scan('2025-06-20T09:30:00Z', soci, 1);

  // Two events whose table names cut to the same 63 bytes share one table.
  const longFirst = await story.generate('2025-06-21T07:00:00Z', {
    eventName: LONG_EVENT_NAME,
    date: '2025-06-22',
    createdBy: admin,
  });
  const longSecond = await story.generate('2025-06-21T07:01:00Z', {
    eventName: LONG_EVENT_NAME,
    date: '2025-06-23',
    createdBy: admin,
  });
  await story.scan('2025-06-22T10:00:00Z', longFirst, 3);
  await story.scan('2025-06-23T10:00:00Z', longSecond, 3);
  await story.scan('2025-06-23T10:05:00Z', longSecond, 4);

  // An apostrophe cannot be part of an unquoted table name: the event exists, its table never.
  const festa = await story.generate('2025-06-21T08:00:00Z', {
    eventName: "Festa dell'Unità",
    date: '2025-06-24',
    createdBy: admin,
  });
  await story.scan('2025-06-24T18:00:00Z', festa, 2);

  // Deleted through the API: row and table are gone.
  const annullato = await story.generate('2025-06-24T09:00:00Z', {
    eventName: 'Evento Annullato',
    date: '2025-06-25',
    createdBy: admin,
  });
  await story.scan('2025-06-24T09:30:00Z', annullato, 7);

  // Letters outside ASCII are fine in an unquoted name (format('%I') quotes them, though).
  const caffe = await story.generate('2025-06-24T09:10:00Z', {
    eventName: 'Caffè Letterario',
    date: '2025-06-25',
    createdBy: admin,
  });
  await story.scan('2025-06-25T17:00:00Z', caffe, 3);
  const deleted = await deleteEventAsLive(story.client, annullato);
  story.record('2025-06-24T10:00:00Z', 'live code', `delete ${annullato}`, deleted);

  // Deleted by hand: the table stays, mapped to no event.
  const cena = await story.generate('2025-06-25T09:00:00Z', {
    eventName: 'Cena Sociale',
    date: '2025-06-26',
    createdBy: admin,
  });
  await story.scan('2025-06-26T20:00:00Z', cena, 2);
  await story.scan('2025-06-26T20:01:00Z', cena, 4);
  await deleteEventRowByHand(story.client, cena);
  story.record('2025-06-27T08:00:00Z', 'operator', `delete the row of ${cena} by hand`, {
    errors: [],
  });

  // 0013's made-up event of the day the files ran: it has no table.
  const fake = await story.fakeDailyEventId();
  if (fake !== undefined) await story.scan('2025-06-27T09:00:00Z', fake, 7);

  // The code kept `POST /users`, which names a column the users table no longer has.
  const created = await createLocalUserAsCode(
    story.client,
    { name: 'Nuovo', lastName: 'Utente', status: 'active' },
    '2025-06-27T10:00:00Z',
  );
  story.record('2025-06-27T10:00:00Z', 'live code', 'POST /users Nuovo Utente', created);
}

/** The period of the code before 0008 (commits 0f35dd1 to f229a42, which copied accounts). */
async function pre0008Period(story: Story, copiesAccounts: boolean): Promise<string> {
  const riunione = await story.generatePre0008('2025-06-09T13:05:00Z', {
    eventName: 'Riunione Staff',
    date: '2025-06-09',
    createdBy: 1,
  });
  // Made, then nobody scanned it: an empty table of that shape.
  await story.generatePre0008('2025-06-09T13:06:00Z', {
    eventName: 'Prova Generale',
    date: '2025-06-10',
    createdBy: 1,
  });
  const scan = (at: string, id: number, status: string, motivazione?: string) =>
    story.scanPre0008(at, riunione, id, {
      status,
      copiesAccounts,
      ...(motivazione === undefined ? {} : { motivazione }),
    });
  await scan('2025-06-09T13:30:00Z', 2, 'presente');
  await scan('2025-06-09T13:31:00Z', 3, 'vacation', 'ferie in Sardegna');
  await scan('2025-06-09T13:32:00Z', 4, 'hospital');
  await scan('2025-06-09T13:40:00Z', 2, 'presente');
  await scan('2025-06-09T13:45:00Z', 1, 'presente');
  await scan('2025-06-09T13:46:00Z', 1, 'other', 'seconda scansione');
  await scan('2025-06-09T13:50:00Z', 6, 'presente');
  return riunione;
}

async function keepGoing(story: Story): Promise<void> {
  await story.files('0001_create_users', '0007_add_role_column');
  // The admin's account copy came from a first scan; the copy insert itself is replayed here.
  await story.copyAccount('2025-06-09T13:00:00Z', 1, 'code before 0008');
  const riunione = await pre0008Period(story, true);
  await story.files('0008_event_user_status_management', '0013_add_timestamp_to_attendance_events');
  // Elena (admin) has no row yet: her first event fails; her scan of an old table fails too,
  // but copies her account first, after which she can create events.
  const failed = await generateEventAsLive(story.client, {
    eventName: 'Assemblea Soci',
    date: '2025-06-20',
    createdBy: 5,
    at: '2025-06-19T16:00:00Z',
  });
  story.record('2025-06-19T16:00:00Z', 'live code', `generate ${failed.eventId} by 5`, failed);
  await story.scan('2025-06-19T16:05:00Z', riunione, 5);
  await story.scan('2025-06-19T16:06:00Z', riunione, 4);
  await liveCodePeriod(story, 5);
  // An operator trying 0012's function: a pre-filled table that maps to no event.
  const made = await setupTableWith0012Function(story.client, 'attendance_prova_manuale');
  story.record('2025-06-28T09:00:00Z', 'operator', 'setup_automatic_attendance_event', {
    errors: made.errors,
    ...(made.message === undefined ? {} : { outcome: made.message }),
  });
}

async function onErrorStop(story: Story): Promise<void> {
  await story.files('0001_create_users', '0013_add_timestamp_to_attendance_events');
  // Nobody can create the first event without a users row, and nobody can scan without an
  // event: the admin's row was put in by hand, with the service's own copy insert.
  await story.copyAccount('2025-06-19T15:00:00Z', 1, 'operator');
  await liveCodePeriod(story, 1);
}

async function first0001(story: Story): Promise<void> {
  await story.files('0001_create_users', '0001_create_users');
  for (const [index, user] of EARLY_LOCAL_USERS.entries()) {
    const at = `2025-06-06T1${index}:00:00Z`;
    const created = await createLocalUserAsCode(
      story.client,
      { name: user.name, lastName: user.lastName, status: user.status },
      at,
    );
    story.record(at, 'earliest code', `POST /users ${user.name} ${user.lastName}`, created);
  }
  await story.files('0003_create_attendance_events', '0005_add_role_to_users');

  // The earliest code: one event per date, check-ins in the static table, statuses chosen.
  const early = await generateEventAsEarlyCode(story.client, {
    eventName: 'Presenza Giornaliera',
    date: '2025-06-08',
    createdBy: 1,
    at: '2025-06-08T07:00:00Z',
  });
  story.record('2025-06-08T07:00:00Z', 'earliest code', `generate ${early.eventId} by 1`, early);
  const earlyScans: [string, number, string, string?][] = [
    ['2025-06-08T08:30:00Z', 1, 'presente'],
    ['2025-06-08T08:31:00Z', 2, 'presente'],
    ['2025-06-08T08:32:00Z', 3, 'sick', 'influenza'],
    ['2025-06-08T08:33:00Z', 4, 'presente'],
    ['2025-06-08T08:40:00Z', 2, 'presente'],
  ];
  for (const [at, id, status, motivazione] of earlyScans) {
    const result = await scanAsEarlyCode(story.client, {
      eventId: early.eventId,
      scanner: tokenUserOf(originalPerson(id)),
      status,
      ...(motivazione === undefined ? {} : { motivazione }),
      at,
    });
    story.record(at, 'earliest code', `scan ${early.eventId} by ${id} as ${status}`, result);
  }

  // The code before 0008, before it copied accounts (commit 98fb59d).
  const riunione = await story.generatePre0008('2025-06-09T07:00:00Z', {
    eventName: 'Riunione Staff',
    date: '2025-06-09',
    createdBy: 1,
  });
  await story.scanPre0008('2025-06-09T07:30:00Z', riunione, 1, {
    status: 'presente',
    copiesAccounts: false,
  });
  await story.scanPre0008('2025-06-09T07:31:00Z', riunione, 3, {
    status: 'family',
    motivazione: 'matrimonio',
    copiesAccounts: false,
  });
  await story.scanPre0008('2025-06-09T07:32:00Z', riunione, 4, {
    status: 'presente',
    copiesAccounts: false,
  });

  await story.files('0006_add_auth_fields_to_users', '0007_add_role_column');
  // From commit 0f35dd1 the code copied missing accounts.
  await story.scanPre0008('2025-06-09T15:00:00Z', riunione, 4, {
    status: 'business',
    copiesAccounts: true,
  });
  await story.scanPre0008('2025-06-09T15:01:00Z', riunione, 2, {
    status: 'presente',
    copiesAccounts: true,
  });
  await story.files('0008_event_user_status_management', '0013_add_timestamp_to_attendance_events');
  await story.scan('2025-06-19T16:05:00Z', riunione, 5);
  await liveCodePeriod(story, 5);
}

async function keepGoingRetrofit(story: Story): Promise<void> {
  await story.files('0001_create_users', '0007_add_role_column');
  await story.copyAccount('2025-06-14T07:00:00Z', 1, 'operator');
  const riunione = await story.generate('2025-06-14T08:00:00Z', {
    eventName: 'Riunione Staff',
    date: '2025-06-14',
    createdBy: 1,
  });
  const prova = await story.generate('2025-06-14T08:01:00Z', {
    eventName: 'Prova Generale',
    date: '2025-06-15',
    createdBy: 1,
  });
  await story.scan('2025-06-14T09:00:00Z', riunione, 2);
  await story.scan('2025-06-14T09:01:00Z', riunione, 3);
  await story.scan('2025-06-14T09:02:00Z', riunione, 1);
  // A name past 63 bytes: 0008 and 0012 name its check and indexes after the cut name.
  const consiglio = await story.generate('2025-06-14T08:02:00Z', {
    eventName: 'Riunione straordinaria del consiglio direttivo regionale',
    date: '2025-06-16',
    createdBy: 1,
  });
  await story.scan('2025-06-14T09:03:00Z', consiglio, 2);

  // A deployment that had run the deleted 0009: its trigger on the tables of the time.
  const errors = await installTriggersOf0009(story.client, [
    storedTableName(riunione),
    storedTableName(prova),
  ]);
  story.record('2025-06-14T12:00:00Z', 'operator', 'the deleted 0009 (triggers)', { errors });
  await story.scan('2025-06-14T12:30:00Z', riunione, 4);

  await story.files('0008_event_user_status_management', '0013_add_timestamp_to_attendance_events');
  await story.scan('2025-06-19T09:00:00Z', riunione, 1);
  await story.scan('2025-06-19T09:01:00Z', riunione, 7);
  await story.scan('2025-06-19T09:02:00Z', prova, 2);

  // An event whose table 0012's function made (as the never-compiled services code did):
  // pre-filled rows; a scan then sets scanned_at and keeps `not_registered`.
  const input = { eventName: 'Giornata Aperta', date: '2025-06-19', createdBy: 1 };
  const eventId = 'giornata-aperta-2025-06-19';
  const eventErrors: WriteError[] = [];
  await insertEventRow(
    story.client,
    eventId,
    { ...input, at: '2025-06-19T10:00:00Z' },
    eventErrors,
  );
  const made = await setupTableWith0012Function(story.client, storedTableName(eventId));
  story.record('2025-06-19T10:00:00Z', 'operator', `event ${eventId} with 0012's table`, {
    errors: [...eventErrors, ...made.errors],
    ...(made.message === undefined ? {} : { outcome: made.message }),
  });
  await story.scan('2025-06-19T10:30:00Z', eventId, 2);
  await story.scan('2025-06-19T10:31:00Z', eventId, 1);

  await liveCodePeriod(story, 1);
}

/**
 * Builds one scenario on the (empty) database at `databaseUrl` and reads it back.
 */
export async function buildOriginalUserScenario(
  databaseUrl: string,
  variant: OriginalUserVariant,
  options: ScenarioOptions = {},
): Promise<OriginalUserScenario> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const story = new Story(client, databaseUrl, options, {
      stopOnError: variant === 'on-error-stop',
      first0001: variant === 'first-0001',
      early0004: variant === 'first-0001',
    });
    switch (variant) {
      case 'keep-going':
        await keepGoing(story);
        break;
      case 'on-error-stop':
        await onErrorStop(story);
        break;
      case 'first-0001':
        await first0001(story);
        break;
      case 'keep-going-retrofit':
        await keepGoingRetrofit(story);
        break;
    }
    return {
      variant,
      chain: story.chain,
      actions: story.actions,
      database: await describeOriginalUserDatabase(client),
    };
  } finally {
    await client.end();
  }
}
