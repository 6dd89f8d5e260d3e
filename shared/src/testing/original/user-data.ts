/**
 * Writers that change a user database the way the original's live code did (user-service
 * main.go and qr_handlers.go, from commit 769db90 to the end): the statements it ran, in its
 * order, each in autocommit, with its handling of failures. Each returns the HTTP status the
 * handler answered and the statements the server refused.
 *
 * `at` (ISO instant) says when the request happened: the values the code took from NOW() or
 * time.Now(), and the columns it left to a now() default, then get that instant, so a fixture
 * built today holds a story spread over time. Without `at` the statements are the code's own.
 */

import type pg from 'pg';
import { codeTableName, eventIdFor, liveTableStatements, storedTableName } from './event-tables.js';
import type { OriginalAccount } from './people.js';
import { ORIGINAL_FIXTURE_JWT_SECRET, originalQrToken } from './qr-token.js';
import { attempt, withTimes, type WriteError } from './write-helpers.js';

/** The identity the handlers read from the caller's access token. */
export interface TokenUser {
  id: number;
  /** Claim `name` (the code used `Unknown` when it was missing). */
  name: string;
  /** Claim `surname` (`User` when missing). */
  surname: string;
  role: string;
}

/** The caller as their own access token described them. */
export function tokenUserOf(account: OriginalAccount): TokenUser {
  return {
    id: account.id,
    name: account.name ?? 'Unknown',
    surname: account.surname ?? 'User',
    role: account.role,
  };
}

export interface GenerateResult {
  /** 201 created (even when its table could not be made), 409 exists, 500 not saved. */
  status: 201 | 409 | 500;
  eventId: string;
  /** The name the code used for the event's table, and the one PostgreSQL stored. */
  codeTableName: string;
  tableName: string;
  /** False when the event exists but its table was never created. */
  tableCreated: boolean;
  errors: WriteError[];
}

export interface GenerateInput {
  eventName: string;
  date: string;
  /** The admin's user id (the FK on `created_by` needs their row in the user database). */
  createdBy: number;
  at?: string;
  jwtSecret?: string;
}

/** The event row insert that every generation of the generate handler ran. */
export async function insertEventRow(
  client: pg.ClientBase,
  eventId: string,
  input: GenerateInput,
  errors: WriteError[],
): Promise<'exists' | 'inserted' | 'failed'> {
  const existing = await attempt(
    client,
    'find event',
    'select id from attendance_events where event_id = $1',
    [eventId],
  );
  // Any error of this lookup counted as "not found".
  if (existing.ok && existing.rows.length > 0) return 'exists';
  const issuedAt = input.at === undefined ? new Date() : new Date(input.at);
  const token = originalQrToken(
    {
      eventId,
      eventName: input.eventName,
      date: input.date,
      createdBy: input.createdBy,
      issuedAt,
    },
    input.jwtSecret ?? ORIGINAL_FIXTURE_JWT_SECRET,
  );
  const row = await withTimes(
    client,
    'attendance_events',
    {
      event_id: eventId,
      event_name: input.eventName,
      date: input.date,
      qr_jwt: token,
      expires_at: `${input.date} 23:59:59`,
      created_by: input.createdBy,
    },
    input.at,
    ['created_at', 'timestamp'],
  );
  const inserted = await attempt(
    client,
    'insert event',
    `insert into attendance_events (${row.columns}) values (${row.placeholders}) returning id`,
    row.values,
  );
  if (!inserted.ok) {
    errors.push(inserted.error);
    return 'failed';
  }
  return 'inserted';
}

/** Runs a table's DDL: the table (its failure ends it), then each index on its own. */
export async function createTable(
  client: pg.ClientBase,
  ddl: { table: string; indexes: string[] },
  errors: WriteError[],
): Promise<boolean> {
  const table = await attempt(client, 'create table', ddl.table);
  if (!table.ok) {
    errors.push(table.error);
    return false;
  }
  for (const index of ddl.indexes) {
    const made = await attempt(client, 'create index', index);
    if (!made.ok) errors.push(made.error);
  }
  return true;
}

/**
 * `POST /qr/admin/generate` of the live code: the event row, then an empty 10-column table
 * for it (its failure only logged: the event exists without a table).
 */
export async function generateEventAsLive(
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
    liveTableStatements(result.codeTableName),
    result.errors,
  );
  return result;
}

export type ScanOutcome =
  | 'inserted'
  | 'rescanned'
  | 'event_not_found'
  | 'already_scanned'
  | 'check_failed'
  | 'sync_failed'
  | 'save_failed'
  | 'invalid_status';

export interface ScanResult {
  status: 201 | 400 | 404 | 409 | 500;
  outcome: ScanOutcome;
  eventId: string;
  tableName: string;
  /** True when the scan copied the scanner's account into the user database. */
  synced: boolean;
  errors: WriteError[];
  /** Why it failed, when the code failed outside the database (e.g. a NULL it could not read). */
  reason?: string;
}

export interface ScanInput {
  eventId: string;
  scanner: TokenUser;
  /** The auth database's accounts, for the copy of a scanner missing from the user database. */
  accounts: readonly OriginalAccount[];
  at?: string;
}

/** Whether the event exists and is active (every generation checked this first). */
export async function activeEventExists(client: pg.ClientBase, eventId: string): Promise<boolean> {
  const found = await attempt<{ exists: boolean }>(
    client,
    'find active event',
    'select exists (select 1 from attendance_events where event_id = $1 and is_active = true)',
    [eventId],
  );
  return found.ok && found.rows[0]?.exists === true;
}

/**
 * The copy of an account into the user database (from commit 0f35dd1 on): when the user id
 * has no row, read the account and insert it under the same id. Returns whether it copied,
 * or why it failed.
 */
export async function ensureUserAsLive(
  client: pg.ClientBase,
  userId: number,
  accounts: readonly OriginalAccount[],
  at: string | undefined,
  errors: WriteError[],
): Promise<{ synced: boolean; failure?: string }> {
  const count = await attempt<{ count: string }>(
    client,
    'find user',
    'select count(*) from users where id = $1',
    [userId],
  );
  if (!count.ok) {
    errors.push(count.error);
    return { synced: false, failure: 'user lookup failed' };
  }
  if (Number(count.rows[0]?.count) > 0) return { synced: false };
  const account = accounts.find((candidate) => candidate.id === userId);
  if (!account) return { synced: false, failure: 'no such account in the auth database' };
  // The code read the account into non-nullable strings: a NULL ended the copy.
  for (const field of ['username', 'name', 'surname'] as const) {
    if (account[field] === null) {
      return { synced: false, failure: `the account's ${field} is NULL` };
    }
  }
  const copied = await syncUserAsLive(client, account, at);
  if (copied) {
    errors.push(copied);
    return { synced: false, failure: 'insert into users failed' };
  }
  return { synced: true };
}

/** The insert of the account copy itself; returns the refusal, if any. */
export async function syncUserAsLive(
  client: pg.ClientBase,
  account: OriginalAccount,
  at?: string,
): Promise<WriteError | undefined> {
  const row = await withTimes(
    client,
    'users',
    {
      id: account.id,
      email: account.email,
      username: account.username,
      name: account.name,
      last_name: account.surname,
      status: 'active',
      role: account.role,
      created_at: `${account.createdAt}+00`,
    },
    at,
    ['updated_at'],
  );
  const inserted = await attempt(
    client,
    'insert user',
    `insert into users (${row.columns}) values (${row.placeholders})`,
    row.values,
  );
  return inserted.ok ? undefined : inserted.error;
}

/**
 * `POST /qr/scan` of the live code: active event, then (non-admins only) "already scanned?"
 * looked up under the code's table name, the account copy, then the check-in: a first scan
 * inserts `present`, a later one (admins only get there) refreshes the times and keeps the
 * status.
 */
export async function scanAsLive(client: pg.ClientBase, input: ScanInput): Promise<ScanResult> {
  const code = codeTableName(input.eventId);
  const table = storedTableName(input.eventId);
  const result: ScanResult = {
    status: 201,
    outcome: 'inserted',
    eventId: input.eventId,
    tableName: table,
    synced: false,
    errors: [],
  };
  const fail = (
    status: ScanResult['status'],
    outcome: ScanOutcome,
    reason?: string,
  ): ScanResult => ({
    ...result,
    status,
    outcome,
    ...(reason === undefined ? {} : { reason }),
  });
  if (!(await activeEventExists(client, input.eventId))) return fail(404, 'event_not_found');

  if (input.scanner.role !== 'admin') {
    // The existence check compares the code's (uncut) name, so for a name longer than 63
    // bytes it finds nothing and the duplicate check is skipped.
    const exists = await attempt<{ exists: boolean }>(
      client,
      'find table',
      `select exists (select from information_schema.tables
        where table_schema = 'public' and table_name = $1)`,
      [code],
    );
    if (!exists.ok) {
      result.errors.push(exists.error);
      return fail(500, 'check_failed');
    }
    if (exists.rows[0]?.exists) {
      const scanned = await attempt<{ count: string }>(
        client,
        'count scans',
        `select count(*) from ${code} where user_id = $1 and scanned_at is not null`,
        [input.scanner.id],
      );
      if (!scanned.ok) {
        result.errors.push(scanned.error);
        return fail(500, 'check_failed');
      }
      if (Number(scanned.rows[0]?.count) > 0) return fail(409, 'already_scanned');
    }
  }

  const ensured = await ensureUserAsLive(
    client,
    input.scanner.id,
    input.accounts,
    input.at,
    result.errors,
  );
  if (ensured.failure !== undefined) return fail(500, 'sync_failed', ensured.failure);
  result.synced = ensured.synced;

  const existing = await attempt<{ id: number; status: string | null }>(
    client,
    'find check-in',
    `select id, status from ${code} where user_id = $1`,
    [input.scanner.id],
  );
  if (!existing.ok) {
    result.errors.push(existing.error);
    return fail(500, 'save_failed');
  }
  const row = existing.rows[0];
  if (row === undefined) {
    const now = input.at === undefined ? 'now()' : '$4';
    const values: unknown[] = [input.scanner.id, input.scanner.name, input.scanner.surname];
    if (input.at !== undefined) values.push(input.at);
    const inserted = await attempt(
      client,
      'insert check-in',
      `insert into ${code} (user_id, name, surname, scanned_at, status, updated_at)
       values ($1, $2, $3, ${now}, 'present', ${now})`,
      values,
    );
    if (!inserted.ok) {
      result.errors.push(inserted.error);
      return fail(500, 'save_failed');
    }
    return result;
  }
  // The code read the status into a non-nullable string: a NULL status ended the scan.
  if (row.status === null) return fail(500, 'save_failed', 'the check-in status is NULL');
  const now = input.at === undefined ? 'now()' : '$2';
  const values: unknown[] = [input.scanner.id];
  if (input.at !== undefined) values.push(input.at);
  const updated = await attempt(
    client,
    'update check-in',
    `update ${code} set scanned_at = ${now}, updated_at = ${now} where user_id = $1`,
    values,
  );
  if (!updated.ok) {
    result.errors.push(updated.error);
    return fail(500, 'save_failed');
  }
  return { ...result, outcome: 'rescanned' };
}

/**
 * `DELETE /qr/admin/events/:event_id`: drops the event's table, then deletes its row (the
 * data is gone, as it was in the original).
 */
export async function deleteEventAsLive(
  client: pg.ClientBase,
  eventId: string,
): Promise<{ status: 200 | 404 | 500; errors: WriteError[] }> {
  const errors: WriteError[] = [];
  const found = await attempt<{ exists: boolean }>(
    client,
    'find event',
    'select exists (select 1 from attendance_events where event_id = $1)',
    [eventId],
  );
  if (!found.ok || found.rows[0]?.exists !== true) return { status: 404, errors };
  const dropped = await attempt(
    client,
    'drop table',
    `drop table if exists ${codeTableName(eventId)}`,
  );
  if (!dropped.ok) errors.push(dropped.error);
  const deleted = await attempt(
    client,
    'delete event',
    'delete from attendance_events where event_id = $1',
    [eventId],
  );
  if (!deleted.ok) {
    errors.push(deleted.error);
    return { status: 500, errors };
  }
  return { status: 200, errors };
}

/**
 * `POST /users` as every generation of the code wrote it: it names a `timestamp` column, so it
 * works only on a users table of the first 0001 before 0006 renamed that column.
 */
export async function createLocalUserAsCode(
  client: pg.ClientBase,
  user: { name: string; lastName: string; status: string },
  at?: string,
): Promise<{ status: 201 | 500; id?: number; errors: WriteError[] }> {
  const inserted = await attempt<{ id: number }>(
    client,
    'insert user',
    'insert into users (name, last_name, status, "timestamp") values ($1, $2, $3, $4) returning id',
    [user.name, user.lastName, user.status, at ?? new Date().toISOString()],
  );
  if (!inserted.ok) return { status: 500, errors: [inserted.error] };
  const id = inserted.rows[0]?.id;
  return id === undefined ? { status: 201, errors: [] } : { status: 201, id, errors: [] };
}
