import type pg from 'pg';
import { runStatements, type FileRun, type StatementFailure } from './run-statements.js';
import {
  FILE_0001,
  FILE_0001_FIRST,
  FILE_0003,
  FILE_0004,
  FILE_0004_EARLY,
  FILE_0005,
  FILE_0006,
  FILE_0007,
  FILE_0008,
  FILE_0010,
  FILE_0011,
  FILE_0012,
  file0013,
  type FakeDailyRowSettings,
} from './user-chain-sql.js';

/** The original user-service's migration files, in the order an operator ran them. */
export const ORIGINAL_USER_FILES = [
  '0001_create_users',
  '0003_create_attendance_events',
  '0004_create_attendance',
  '0005_add_role_to_users',
  '0006_add_auth_fields_to_users',
  '0007_add_role_column',
  '0008_event_user_status_management',
  '0010_ensure_name_surname_columns',
  '0011_fix_status_trigger',
  '0012_automatic_qr_system_final',
  '0013_add_timestamp_to_attendance_events',
] as const;

export type OriginalUserFile = (typeof ORIGINAL_USER_FILES)[number];

/**
 * Which version of a file runs: its last one (the original's final commit), or an earlier one
 * that a deployment of that time ran: the first 0001 (commit 555a367: `timestamp` instead of
 * `created_at`, no `username`) or the first 0004 (commit 843fe14: the static `attendance`
 * table).
 */
export interface ChainFile {
  name: OriginalUserFile;
  /** The commit the file's text comes from; undefined for the final version. */
  commit?: '555a367' | '843fe14';
}

/** Runs one file against the database, statement by statement. */
export type ChainRunner = (
  target: { client: pg.ClientBase; databaseUrl: string },
  file: ChainFile,
  settings: { stopOnError: boolean; fakeDailyRow: FakeDailyRowSettings },
) => Promise<FileRun>;

export interface UserChainOptions {
  /** Stop at the first failing statement, as `psql -v ON_ERROR_STOP=1` file after file. */
  stopOnError?: boolean;
  /** Run the first 0001 (commit 555a367) instead of the final one. */
  first0001?: boolean;
  /** Run the first 0004 (commit 843fe14), which made the static `attendance` table. */
  early0004?: boolean;
  /** First file to run (default: 0001). */
  from?: OriginalUserFile;
  /** Last file to run (default: 0013). */
  through?: OriginalUserFile;
  /** Fixes 0013's CURRENT_DATE and random() (see FakeDailyRowSettings). */
  fakeDailyRow?: FakeDailyRowSettings;
  /**
   * Work done just before a file runs, e.g. users created by the code of the time before 0006
   * (see `createUserAsEarlyCode`).
   */
  before?: Partial<Record<OriginalUserFile, (client: pg.ClientBase) => Promise<void>>>;
  /** Who runs the files: our SQL (default) or, in capture-catalog, the real files with psql. */
  runner?: ChainRunner;
  /** URL of the database the client is connected to (needed by the psql runner only). */
  databaseUrl?: string;
}

export interface UserChainResult {
  files: FileRun[];
  /** Every statement that failed, in order. */
  failures: StatementFailure[];
  /** True when a stop-on-error run stopped; the files after it were not run. */
  stopped: boolean;
}

/** Our statements for one file. */
export function chainFileStatements(
  file: ChainFile,
  fakeDailyRow: FakeDailyRowSettings = {},
): readonly string[] {
  switch (file.name) {
    case '0001_create_users':
      return file.commit === '555a367' ? FILE_0001_FIRST : FILE_0001;
    case '0003_create_attendance_events':
      return FILE_0003;
    case '0004_create_attendance':
      return file.commit === '843fe14' ? FILE_0004_EARLY : FILE_0004;
    case '0005_add_role_to_users':
      return FILE_0005;
    case '0006_add_auth_fields_to_users':
      return FILE_0006;
    case '0007_add_role_column':
      return FILE_0007;
    case '0008_event_user_status_management':
      return FILE_0008;
    case '0010_ensure_name_surname_columns':
      return FILE_0010;
    case '0011_fix_status_trigger':
      return FILE_0011;
    case '0012_automatic_qr_system_final':
      return FILE_0012;
    case '0013_add_timestamp_to_attendance_events':
      return file0013(fakeDailyRow);
  }
}

/** The default runner: our statements, psql's way. */
export const ourChainRunner: ChainRunner = ({ client }, file, settings) =>
  runStatements(client, file.name, chainFileStatements(file, settings.fakeDailyRow), {
    stopOnError: settings.stopOnError,
  });

/** The files a run covers, with the versions its options pick. */
export function chainFiles(options: UserChainOptions = {}): ChainFile[] {
  const start = ORIGINAL_USER_FILES.indexOf(options.from ?? '0001_create_users');
  const end = ORIGINAL_USER_FILES.indexOf(
    options.through ?? '0013_add_timestamp_to_attendance_events',
  );
  return ORIGINAL_USER_FILES.slice(start, end + 1).map((name): ChainFile => {
    if (name === '0001_create_users' && options.first0001) return { name, commit: '555a367' };
    if (name === '0004_create_attendance' && options.early0004) return { name, commit: '843fe14' };
    return { name };
  });
}

/**
 * Builds the user database the original's migration files leave, on the database `client` is
 * connected to: each file's statements run one by one in autocommit; a failure skips only that
 * statement, or, with `stopOnError`, stops the whole chain. Returns the failed statements.
 */
export async function applyOriginalUserChain(
  client: pg.ClientBase,
  options: UserChainOptions = {},
): Promise<UserChainResult> {
  const runner = options.runner ?? ourChainRunner;
  const result: UserChainResult = { files: [], failures: [], stopped: false };
  for (const file of chainFiles(options)) {
    await options.before?.[file.name]?.(client);
    const run = await runner({ client, databaseUrl: options.databaseUrl ?? '' }, file, {
      stopOnError: options.stopOnError ?? false,
      fakeDailyRow: options.fakeDailyRow ?? {},
    });
    result.files.push(run);
    result.failures.push(...run.failures);
    if (run.stopped) {
      result.stopped = true;
      break;
    }
  }
  return result;
}
