/**
 * Writers for what earlier versions of the original left in a user database, older than the
 * live code of user-data.ts:
 * - the earliest code (commits 843fe14 to 0accf3a): one event per date, `daily-<date>`, and
 *   check-ins in the static `attendance` table of the first 0004;
 * - the code before 0008 existed (commits 98fb59d to f229a42): a 7-column per-event table with
 *   no `scanned_at` and free-text statuses (`presente`, `vacation`, …) chosen by the scanner;
 * - the triggers the deleted 0009 put on per-event tables (removed again by 0012);
 * - tables made by 0012's `setup_automatic_attendance_event` (7 columns, every user
 *   pre-filled as `not_registered`), which only the never-compiled services code called;
 * - an event row deleted by hand, which leaves its table behind, mapped to no event.
 */

import type pg from 'pg';
import {
  PRE_0008_STATUSES,
  codeTableName,
  earlyEventIdFor,
  eventIdFor,
  pre0008TableStatements,
  storedTableName,
} from './event-tables.js';
import type { OriginalAccount } from './people.js';
import {
  activeEventExists,
  createTable,
  ensureUserAsLive,
  insertEventRow,
  type GenerateInput,
  type GenerateResult,
  type ScanOutcome,
  type ScanResult,
  type TokenUser,
} from './user-data.js';
import { attempt, withTimes, type WriteError } from './write-helpers.js';

/** `POST /qr/admin/generate` of the earliest code: event `daily-<date>`, no table of its own. */
export async function generateEventAsEarlyCode(
  client: pg.ClientBase,
  input: GenerateInput,
): Promise<GenerateResult> {
  const eventId = earlyEventIdFor(input.date);
  const result: GenerateResult = {
    status: 201,
    eventId,
    codeTableName: 'attendance',
    tableName: 'attendance',
    tableCreated: false,
    errors: [],
  };
  const row = await insertEventRow(client, eventId, input, result.errors);
  if (row === 'exists') return { ...result, status: 409 };
  if (row === 'failed') return { ...result, status: 500 };
  return result;
}

export interface ChosenStatusScanInput {
  eventId: string;
  scanner: TokenUser;
  /** The status the scanner picked in the app (one of PRE_0008_STATUSES). */
  status: string;
  /** The optional reason; the code stored '' when none was sent. */
  motivazione?: string;
  at?: string;
}

function scanResult(eventId: string, tableName: string): ScanResult {
  return { status: 201, outcome: 'inserted', eventId, tableName, synced: false, errors: [] };
}

function failed(
  result: ScanResult,
  status: ScanResult['status'],
  outcome: ScanOutcome,
  reason?: string,
): ScanResult {
  return { ...result, status, outcome, ...(reason === undefined ? {} : { reason }) };
}

/** `POST /qr/scan` of the earliest code: one row per user and event in `attendance`. */
export async function scanAsEarlyCode(
  client: pg.ClientBase,
  input: ChosenStatusScanInput,
): Promise<ScanResult> {
  const result = scanResult(input.eventId, 'attendance');
  if (!(PRE_0008_STATUSES as readonly string[]).includes(input.status)) {
    return failed(result, 400, 'invalid_status');
  }
  if (!(await activeEventExists(client, input.eventId))) {
    return failed(result, 404, 'event_not_found');
  }
  if (input.scanner.role !== 'admin') {
    const scanned = await attempt<{ count: string }>(
      client,
      'count scans',
      'select count(*) from attendance where user_id = $1 and event_id = $2',
      [input.scanner.id, input.eventId],
    );
    if (!scanned.ok) {
      result.errors.push(scanned.error);
      return failed(result, 500, 'check_failed');
    }
    if (Number(scanned.rows[0]?.count) > 0) return failed(result, 409, 'already_scanned');
  }
  const row = await withTimes(
    client,
    'attendance',
    {
      user_id: input.scanner.id,
      event_id: input.eventId,
      name: input.scanner.name,
      surname: input.scanner.surname,
      status: input.status,
      motivazione: input.motivazione ?? '',
    },
    input.at,
    ['timestamp', 'created_at'],
  );
  const inserted = await attempt(
    client,
    'insert check-in',
    `insert into attendance (${row.columns}) values (${row.placeholders}) returning id, "timestamp"`,
    row.values,
  );
  if (!inserted.ok) {
    result.errors.push(inserted.error);
    return failed(result, 500, 'save_failed');
  }
  return result;
}

/** `POST /qr/admin/generate` of the code before 0008: the event row, then its 7-column table. */
export async function generateEventAsPre0008Code(
  client: pg.ClientBase,
  input: GenerateInput,
): Promise<GenerateResult> {
  const eventId = eventIdFor(input.eventName, input.date);
  const result: GenerateResult = {
    status: 201,
    eventId,
    codeTableName: codeTableName(eventId),
    tableName: storedTableName(eventId),
    tableCreated: false,
    errors: [],
  };
  const row = await insertEventRow(client, eventId, input, result.errors);
  if (row === 'exists') return { ...result, status: 409 };
  if (row === 'failed') return { ...result, status: 500 };
  result.tableCreated = await createTable(
    client,
    pre0008TableStatements(result.codeTableName),
    result.errors,
  );
  return result;
}

export interface Pre0008ScanInput extends ChosenStatusScanInput {
  /**
   * The auth database's accounts. From commit 0f35dd1 the code copied a missing scanner from
   * there; before it, a scanner without a user-database row failed on the foreign key.
   */
  accounts?: readonly OriginalAccount[];
}

/**
 * `POST /qr/scan` of the code before 0008: the status the scanner chose, one insert; a second
 * scan by a non-admin is refused (409), an admin's second scan fails on the unique user_id.
 */
export async function scanAsPre0008Code(
  client: pg.ClientBase,
  input: Pre0008ScanInput,
): Promise<ScanResult> {
  const code = codeTableName(input.eventId);
  const result = scanResult(input.eventId, storedTableName(input.eventId));
  if (!(PRE_0008_STATUSES as readonly string[]).includes(input.status)) {
    return failed(result, 400, 'invalid_status');
  }
  if (!(await activeEventExists(client, input.eventId))) {
    return failed(result, 404, 'event_not_found');
  }
  if (input.scanner.role !== 'admin') {
    const exists = await attempt<{ exists: boolean }>(
      client,
      'find table',
      `select exists (select from information_schema.tables
        where table_schema = 'public' and table_name = $1)`,
      [code],
    );
    if (!exists.ok) {
      result.errors.push(exists.error);
      return failed(result, 500, 'check_failed');
    }
    if (exists.rows[0]?.exists) {
      const scanned = await attempt<{ count: string }>(
        client,
        'count scans',
        `select count(*) from ${code} where user_id = $1`,
        [input.scanner.id],
      );
      if (!scanned.ok) {
        result.errors.push(scanned.error);
        return failed(result, 500, 'check_failed');
      }
      if (Number(scanned.rows[0]?.count) > 0) return failed(result, 409, 'already_scanned');
    }
  }
  if (input.accounts) {
    const ensured = await ensureUserAsLive(
      client,
      input.scanner.id,
      input.accounts,
      input.at,
      result.errors,
    );
    if (ensured.failure !== undefined) return failed(result, 500, 'sync_failed', ensured.failure);
    result.synced = ensured.synced;
  }
  const columns = ['user_id', 'name', 'surname', 'status', 'motivazione'];
  const values: unknown[] = [
    input.scanner.id,
    input.scanner.name,
    input.scanner.surname,
    input.status,
    input.motivazione ?? '',
  ];
  if (input.at !== undefined) {
    columns.push('"timestamp"');
    values.push(input.at);
  }
  const inserted = await attempt(
    client,
    'insert check-in',
    `insert into ${code} (${columns.join(', ')})
     values (${values.map((_, index) => `$${index + 1}`).join(', ')})`,
    values,
  );
  if (!inserted.ok) {
    result.errors.push(inserted.error);
    return failed(result, 500, 'save_failed');
  }
  return result;
}

/**
 * The trigger part of the deleted 0009, as a deployment that ran it had it: the function that
 * forces `present` when `scanned_at` gets set, the helper that attaches it, and the trigger
 * `tr_<table>_auto_present` on each given table. 0012 drops all of it.
 */
export async function installTriggersOf0009(
  client: pg.ClientBase,
  tables: readonly string[],
): Promise<WriteError[]> {
  const errors: WriteError[] = [];
  const statements = [
    `create or replace function auto_set_present_on_scan() returns trigger
     language plpgsql as $fn$
     begin
       if new.scanned_at is not null
          and (old.scanned_at is null or old.status = 'not_registered') then
         new.status := 'present';
         new.updated_at := now();
       end if;
       return new;
     end
     $fn$`,
    `create or replace function create_attendance_trigger(table_name text) returns void
     language plpgsql as $fn$
     begin
       execute format('create or replace trigger tr_%I_auto_present before insert or update on %I
         for each row execute function auto_set_present_on_scan()', table_name, table_name);
     end
     $fn$`,
  ];
  for (const sql of statements) {
    const done = await attempt(client, 'create 0009 function', sql);
    if (!done.ok) errors.push(done.error);
  }
  for (const table of tables) {
    const done = await attempt(
      client,
      'create 0009 trigger',
      'select create_attendance_trigger($1)',
      [table],
    );
    if (!done.ok) errors.push(done.error);
  }
  return errors;
}

/**
 * A table made by 0012's `setup_automatic_attendance_event` (7 columns, two statuses, every
 * user pre-filled as `not_registered`), as the never-compiled services code, or an operator
 * trying the function, made it.
 */
export async function setupTableWith0012Function(
  client: pg.ClientBase,
  tableName: string,
): Promise<{ message?: string; errors: WriteError[] }> {
  const done = await attempt<{ message: string }>(
    client,
    'setup_automatic_attendance_event',
    'select setup_automatic_attendance_event($1) as message',
    [tableName],
  );
  if (!done.ok) return { errors: [done.error] };
  const message = done.rows[0]?.message;
  return message === undefined ? { errors: [] } : { message, errors: [] };
}

/** An event row deleted by hand (not through the API): its table stays, mapped to no event. */
export async function deleteEventRowByHand(client: pg.ClientBase, eventId: string): Promise<void> {
  await client.query('delete from attendance_events where event_id = $1', [eventId]);
}
