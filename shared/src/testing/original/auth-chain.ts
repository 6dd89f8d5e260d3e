import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import bcrypt from 'bcrypt';
import pg from 'pg';
import { TEST_BUILD_VARIABLE } from '../prebuilt.js';
import { runStatements, type FileRun, type StatementFailure } from './run-statements.js';
import {
  ORIGINAL_AUTH_ACCOUNTS,
  ORIGINAL_LOGIN_ATTEMPTS,
  type OriginalAuthAccount,
  type OriginalAuthPhase,
} from './auth-accounts.js';

/**
 * The original auth database, rebuilt the way it came about: the original's SQL files applied
 * by hand with psql, in the orders its history allows, with rows written between them as its
 * code and its operators wrote them. The SQL below is ours; it does, statement by statement,
 * what each of the original's files does, so that a file's statements run (and fail) one at a
 * time as psql runs a file without ON_ERROR_STOP: a failing statement is reported and the next
 * one runs.
 *
 * Whether this rebuild matches the real files is checked against snapshots taken from them with
 * real psql (snapshots/auth-*.json, see auth-capture.ts and auth-snapshot.ts).
 */

/** One of the original's SQL files (or a step its operators ran by hand), as statements. */
export type AuthChainFile =
  | 'early-tables'
  | '0001-empty'
  | '0001'
  | '0002'
  | '0003'
  | '0004'
  | '0005'
  | '0006'
  | 'log-columns';

/** What each file does, one statement per entry, in the file's order. */
export const AUTH_CHAIN_SQL: Readonly<Record<AuthChainFile, readonly string[]>> = {
  // The first database (early June 2025) was made from a hand-written file that created the
  // login log with text columns and no client details, and an accounts table without roles or
  // names (username up to 255, created_at with a time zone).
  'early-tables': [
    `create table if not exists auth_logs (
       id serial, user_email text not null, action text not null,
       "timestamp" timestamp with time zone not null default now(),
       primary key (id))`,
    `create table if not exists users (
       id serial, email varchar(255) not null, username varchar(255),
       password varchar(255) not null, created_at timestamp with time zone default now(),
       primary key (id), unique (email), unique (username))`,
    'create index if not exists idx_users_email on users using btree (email)',
    'create index if not exists idx_users_username on users using btree (username)',
  ],

  // The first migration file was empty until the full table definition went into it.
  '0001-empty': [],

  // The accounts table with every column the later files add, its comments and indexes.
  '0001': [
    `create table if not exists users (
       id serial, email varchar(255) not null, username varchar(100),
       password varchar(255) not null, role varchar(50) not null default 'user',
       name varchar(100), surname varchar(100), last_login timestamp without time zone,
       created_at timestamp without time zone default now(),
       primary key (id), unique (email), unique (username))`,
    `comment on column users.role is 'User role: user or admin'`,
    `comment on column users.name is 'User first name'`,
    `comment on column users.surname is 'User last name'`,
    'create index if not exists idx_users_role on users using btree (role)',
    'create index if not exists idx_users_name on users using btree (name)',
    'create index if not exists idx_users_surname on users using btree (surname)',
    'create index if not exists idx_users_last_login on users using btree (last_login)',
  ],

  // Roles: the column (with its comment) only when no table called users has one, in any
  // schema; its index; '' and NULL roles become 'user'.
  '0002': [
    `do $step$
     declare
       found_column boolean;
     begin
       select count(*) > 0 into found_column
         from information_schema.columns c
        where c.column_name = 'role' and c.table_name = 'users';
       if found_column then
         return;
       end if;
       alter table users add column role varchar(50) not null default 'user';
       comment on column users.role is 'User role: user or admin';
     end
     $step$`,
    'create index if not exists idx_users_role on users using btree (role)',
    `update users set role = 'user' where coalesce(role, '') = ''`,
  ],

  // Names: each column (with its comment) when missing, their indexes, then a back-fill of
  // every row without a name: name 'User' and surname = username (NULL stays NULL).
  '0003': [
    `do $step$
     begin
       if (select count(*) from information_schema.columns c
            where c.column_name = 'name' and c.table_name = 'users') = 0 then
         alter table users add column name varchar(100);
         comment on column users.name is 'User first name';
       end if;
       if (select count(*) from information_schema.columns c
            where c.column_name = 'surname' and c.table_name = 'users') = 0 then
         alter table users add column surname varchar(100);
         comment on column users.surname is 'User last name';
       end if;
     end
     $step$`,
    'create index if not exists idx_users_name on users using btree (name)',
    'create index if not exists idx_users_surname on users using btree (surname)',
    `update users set surname = username, name = 'User' where name is null`,
  ],

  // last_login, then made-up values written into every row on every run, then its index.
  '0004': [
    'alter table users add column if not exists last_login timestamp without time zone',
    `update users set last_login = now() - '00:10:00'::interval where id between 1 and 3`,
    `update users set last_login = now() - '00:05:00'::interval where id between 4 and 6`,
    `update users set last_login = now() - '01:00:00'::interval where id >= 7`,
    'create index if not exists idx_users_last_login on users using btree (last_login)',
  ],

  // A login/logout table no code ever used.
  '0005': [
    `create table if not exists auth_log (
       id serial, user_email varchar(255), username varchar(100), action varchar(50),
       ip varchar(50), user_agent text, success boolean,
       created_at timestamp without time zone default now(),
       primary key (id))`,
  ],

  // The login log as the code writes it; nothing when a table of that name exists already.
  '0006': [
    `create table if not exists auth_logs (
       id serial, user_email varchar(255) not null, username varchar(255),
       action varchar(64) not null, ip_address varchar(64), user_agent text,
       success boolean not null, "timestamp" timestamp with time zone default now(),
       primary key (id))`,
    'create index if not exists idx_auth_logs_user_email on auth_logs using btree (user_email)',
    'create index if not exists idx_auth_logs_action on auth_logs using btree (action)',
    'create index if not exists idx_auth_logs_timestamp on auth_logs using btree ("timestamp")',
  ],

  // Not a file: what an operator must have run for the login log of the early table to take
  // the client details the code began writing (nullable, hence the original's COALESCEs). The
  // column types are an assumption: those the later file 0006 gives them.
  'log-columns': [
    `alter table auth_logs add column ip_address varchar(64), add column user_agent text,
       add column success boolean`,
  ],
};

/**
 * A step of a database's history: an SQL file run by hand, rows written while the service ran
 * or by SQL later, or the logins the service served.
 */
export type AuthChainStep =
  | { kind: 'file'; file: AuthChainFile }
  | { kind: 'rows'; phase: OriginalAuthPhase }
  | { kind: 'logins' };

const WHOLE_CHAIN = ['0001', '0002', '0003', '0004', '0005', '0006'] as const;

/**
 * The histories an original auth database can have had. Each ends the same way: accounts made
 * while the service ran, the whole chain run once more (the way to pick up new files; its
 * back-fill names the scripted accounts), logins, then rows written by SQL.
 * - `fresh`: created once every file existed: 0001–0006 on an empty database.
 * - `hand-made`: the production history: the early hand-made tables, each file run when it
 *   appeared (0001 still empty). Later 0006 changes nothing in the early login log, whose
 *   missing columns make every log insert of the code fail.
 * - `hand-made-log-columns`: the same with the log's client columns added by hand, so logins
 *   were logged (the unknown identifiers too, as the June build did).
 * - `catch-up`: the early tables and 0002 when they appeared, then the whole chain in one go:
 *   0001's comments and indexes on columns that do not exist yet fail, and psql carries on.
 */
export const AUTH_CHAIN_VARIANTS = {
  fresh: [...WHOLE_CHAIN.map(file), ...ending()],
  'hand-made': [
    ...(['early-tables', '0001-empty', '0002', '0003', '0004'] as const).map(file),
    ...ending(),
  ],
  'hand-made-log-columns': [
    ...(['early-tables', '0001-empty', '0002', 'log-columns', '0003', '0004'] as const).map(file),
    ...ending(),
  ],
  'catch-up': [
    ...(['early-tables', '0001-empty', '0002'] as const).map(file),
    ...WHOLE_CHAIN.map(file),
    ...ending(),
  ],
} as const satisfies Record<string, readonly AuthChainStep[]>;

function ending(): AuthChainStep[] {
  return [rows('service'), ...WHOLE_CHAIN.map(file), { kind: 'logins' }, rows('late')];
}

export type AuthChainVariant = keyof typeof AUTH_CHAIN_VARIANTS;
export const AUTH_CHAIN_VARIANT_NAMES = Object.keys(AUTH_CHAIN_VARIANTS) as AuthChainVariant[];

function file(name: AuthChainFile): AuthChainStep {
  return { kind: 'file', file: name };
}
function rows(phase: OriginalAuthPhase): AuthChainStep {
  return { kind: 'rows', phase };
}

/** Runs one of the files against the database: our SQL, or (for the snapshots) the real file. */
export type AuthFileRunner = (
  target: { client: pg.ClientBase; databaseUrl: string },
  file: AuthChainFile,
) => Promise<FileRun>;

/**
 * Our SQL for the file, one statement at a time, each in its own transaction, carrying on after
 * a failure (psql without ON_ERROR_STOP).
 */
export const ourAuthFileRunner: AuthFileRunner = ({ client }, file) =>
  runStatements(client, file, AUTH_CHAIN_SQL[file]);

/** The files a variant runs, in order (what the catalog capture runs for real). */
export function authChainFiles(variant: AuthChainVariant): AuthChainFile[] {
  return AUTH_CHAIN_VARIANTS[variant].flatMap((step) => (step.kind === 'file' ? [step.file] : []));
}

// --- The writers: rows as the original's code and operators wrote them ---

const hashes = new Map<string, Promise<string>>();

/** bcrypt cost 10 with the `$2a$` prefix, as Go's x/crypto wrote them (one per password). */
export function originalPasswordHash(password: string): Promise<string> {
  let hash = hashes.get(password);
  if (!hash) {
    hash = sharedHash(password);
    hashes.set(password, hash);
  }
  return hash;
}

/**
 * A password's hash made once per test run rather than once per test file: some forty passwords
 * at cost 10 take seconds of CPU, and several files build original databases. The hashes are
 * kept in the run's folder (prebuilt.ts); outside a run each process makes its own.
 */
async function sharedHash(password: string): Promise<string> {
  const folder = process.env[TEST_BUILD_VARIABLE];
  const name = `bcrypt-${createHash('sha256').update(password).digest('hex')}`;
  const file = folder ? join(folder, name) : undefined;
  const kept = file ? await readFile(file, 'utf8').catch(() => '') : '';
  if (kept.startsWith('$2a$10$')) return kept;
  const hash = await bcrypt.hash(password, await bcrypt.genSalt(10, 'a'));
  if (file) {
    // Written whole, then renamed: a file reading it at the same time never sees half a hash.
    await writeFile(`${file}.${String(process.pid)}`, hash);
    await rename(`${file}.${String(process.pid)}`, file);
  }
  return hash;
}

/**
 * bcrypt's comparison of a password with a stored hash, as the original's login made it. The
 * answer depends only on the two (and the hashes are the run's, above), so it is worked out once
 * per run, kept beside the hashes, rather than at cost 10 again by every fixture built.
 */
async function originalPasswordMatches(password: string, hash: string): Promise<boolean> {
  const folder = process.env[TEST_BUILD_VARIABLE];
  const name = `bcrypt-compare-${createHash('sha256').update(`${password}\n${hash}`).digest('hex')}`;
  const file = folder ? join(folder, name) : undefined;
  const kept = file ? await readFile(file, 'utf8').catch(() => '') : '';
  if (kept === 'true' || kept === 'false') return kept === 'true';
  const matches = await bcrypt.compare(password, hash);
  if (file) {
    await writeFile(`${file}.${String(process.pid)}`, String(matches));
    await rename(`${file}.${String(process.pid)}`, file);
  }
  return matches;
}

/**
 * The writer's clock as the column stores it: a column without a time zone kept the wall-clock
 * time of the service's process (UTC in its container), one with a time zone the instant.
 */
async function createdAt(client: pg.ClientBase, at: string | null): Promise<string | null> {
  if (at === null) return null;
  const { rows: found } = await client.query<{ data_type: string }>(
    `select data_type from information_schema.columns
      where table_schema = 'public' and table_name = 'users' and column_name = 'created_at'`,
  );
  const withTimeZone = found[0]?.data_type === 'timestamp with time zone';
  return withTimeZone ? at : at.replace('T', ' ').replace(/Z$/, '');
}

/**
 * The last version's register handler, from the database's side: every field trimmed (the
 * password too), an exact duplicate check, a username generated when none was sent (the text
 * before the first '@' of the e-mail as typed, then with 1, 2, … appended until no row has
 * it), the row inserted with the process's clock. An admin: promoted by SQL afterwards.
 */
async function writeRegistration(client: pg.ClientBase, account: OriginalAuthAccount) {
  const { sent } = account;
  const email = sent.email.trim();
  const username = (sent.username ?? '').trim();
  const name = (sent.name ?? '').trim();
  const surname = (sent.surname ?? '').trim();
  const password = sent.password.trim();

  const taken =
    username !== '' && email !== ''
      ? await client.query('select id from users where email = $1 or username = $2', [
          email,
          username,
        ])
      : email !== ''
        ? await client.query('select id from users where email = $1', [email])
        : await client.query('select id from users where username = $1', [username]);
  if ((taken.rowCount ?? 0) > 0) {
    throw new Error(`account ${String(account.id)}: the original would have answered 409`);
  }
  let finalUsername = username;
  if (finalUsername === '') {
    const base = email.split('@')[0] ?? '';
    finalUsername = base;
    for (let n = 1; ; n++) {
      const probe = await client.query('select id from users where username = $1', [finalUsername]);
      if ((probe.rowCount ?? 0) === 0) break;
      finalUsername = `${base}${String(n)}`;
    }
  }
  const { rows: inserted } = await client.query<{ id: number }>(
    `insert into users (email, username, name, surname, password, role, created_at)
     values ($1, $2, $3, $4, $5, 'user', $6) returning id`,
    [
      email,
      finalUsername,
      name,
      surname,
      await originalPasswordHash(password),
      await createdAt(client, sent.createdAt),
    ],
  );
  if (sent.role === 'admin') {
    await client.query(`update users set role = 'admin' where id = $1`, [inserted[0]?.id]);
  }
}

/** An account-creation script: no name columns written. */
async function writeScripted(client: pg.ClientBase, account: OriginalAuthAccount) {
  const { sent } = account;
  await client.query(
    `insert into users (email, username, password, role, created_at) values ($1, $2, $3, $4, $5)`,
    [
      sent.email,
      sent.username ?? null,
      await originalPasswordHash(sent.password),
      sent.role ?? 'user',
      await createdAt(client, sent.createdAt),
    ],
  );
}

/** A row inserted by hand: exactly the given values, NULLs included. */
async function writeSqlRow(client: pg.ClientBase, account: OriginalAuthAccount) {
  const { sent } = account;
  await client.query(
    `insert into users (email, username, name, surname, password, role, created_at)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [
      sent.email,
      sent.username ?? null,
      sent.name ?? null,
      sent.surname ?? null,
      await originalPasswordHash(sent.password),
      sent.role ?? 'user',
      await createdAt(client, sent.createdAt),
    ],
  );
}

interface LoginRow {
  email: string;
  username: string | null;
  name: string | null;
  surname: string | null;
  password: string;
  created_at: Date | null;
}

/**
 * The login handler's writes: one row read among those whose e-mail or username equals the
 * identifier exactly (whichever PostgreSQL returns first); a NULL username, name, surname or
 * created_at failed the read (500, nothing logged); a wrong password and a success are logged
 * with the stored e-mail. An insert refused (a log table without those columns) was only
 * printed by the original. `logUnknown`: the June build also logged unknown identifiers.
 */
async function writeLogins(client: pg.ClientBase, logUnknown: boolean) {
  for (const attempt of ORIGINAL_LOGIN_ATTEMPTS) {
    const { rows: found } = await client.query<LoginRow>(
      `select email, username, name, surname, password, created_at
         from users where email = $1 or username = $1`,
      [attempt.identifier],
    );
    const user = found[0];
    let entry: { email: string; action: string; success: boolean } | undefined;
    if (!user) {
      if (logUnknown) {
        entry = {
          email: attempt.identifier,
          action: 'login_failed_user_not_found',
          success: false,
        };
      }
    } else if (
      user.username !== null &&
      user.name !== null &&
      user.surname !== null &&
      user.created_at !== null
    ) {
      const success = await originalPasswordMatches(attempt.password, user.password);
      const action = success ? 'login_success' : 'login_failed_wrong_password';
      entry = { email: user.email, action, success };
    }
    if (!entry) continue;
    try {
      await client.query(
        `insert into auth_logs (user_email, action, ip_address, user_agent, success, "timestamp")
         values ($1, $2, $3, $4, $5, $6)`,
        [entry.email, entry.action, attempt.ip, attempt.userAgent, entry.success, attempt.at],
      );
    } catch {
      // The original printed LOGIN_LOG_ERROR and answered as if nothing had happened.
    }
  }
}

async function writeRows(client: pg.ClientBase, phase: OriginalAuthPhase): Promise<void> {
  for (const account of ORIGINAL_AUTH_ACCOUNTS.filter((a) => a.phase === phase)) {
    if (account.writer === 'register') await writeRegistration(client, account);
    else if (account.writer === 'script') await writeScripted(client, account);
    else await writeSqlRow(client, account);
  }
}

export interface OriginalAuthDatabase {
  variant: AuthChainVariant;
  chain: {
    files: { file: string; statements: number; ran: number }[];
    /** Statements that failed while the files ran (as psql printed them, and went on). */
    failures: StatementFailure[];
  };
  accounts: readonly OriginalAuthAccount[];
}

/**
 * Turns an empty database into an original auth database with the given history and every
 * account of ORIGINAL_AUTH_ACCOUNTS in it, then checks that the rows came out as the list says
 * (ids, e-mails, usernames, names, roles): a difference is a mistake in the list or a writer.
 */
export async function buildOriginalAuthDatabase(
  databaseUrl: string,
  variant: AuthChainVariant,
  options: { runner?: AuthFileRunner } = {},
): Promise<OriginalAuthDatabase> {
  const runner = options.runner ?? ourAuthFileRunner;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const runs: FileRun[] = [];
    for (const step of AUTH_CHAIN_VARIANTS[variant]) {
      if (step.kind === 'file') runs.push(await runner({ client, databaseUrl }, step.file));
      else if (step.kind === 'rows') await writeRows(client, step.phase);
      else await writeLogins(client, variant === 'hand-made-log-columns');
    }
    await checkStoredAccounts(client);
    return {
      variant,
      chain: {
        files: runs.map(({ file, statements, ran }) => ({ file, statements, ran })),
        failures: runs.flatMap((run) => run.failures),
      },
      accounts: ORIGINAL_AUTH_ACCOUNTS,
    };
  } finally {
    await client.end();
  }
}

async function checkStoredAccounts(client: pg.ClientBase): Promise<void> {
  const { rows: stored } = await client.query<Record<string, unknown>>(
    'select id, email, username, name, surname, role from users order by id',
  );
  const expected = ORIGINAL_AUTH_ACCOUNTS.map((account) => ({ id: account.id, ...account.stored }));
  if (JSON.stringify(stored) !== JSON.stringify(expected)) {
    throw new Error(
      `the original auth database does not hold the listed accounts: ${JSON.stringify(stored)}`,
    );
  }
}
