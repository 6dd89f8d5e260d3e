import type pg from 'pg';

/** One statement of a migration file that the server refused. */
export interface StatementFailure {
  /** The migration file, without `.sql` (e.g. `0006_add_auth_fields_to_users`). */
  file: string;
  /** 1-based position of the statement among the file's top-level statements. */
  statement: number;
  /** PostgreSQL's SQLSTATE, e.g. `42703`. */
  sqlstate: string;
  message: string;
}

/** What running one file did. */
export interface FileRun {
  file: string;
  /** How many top-level statements the file holds. */
  statements: number;
  /** How many were sent to the server (fewer when a stop-on-error run stopped early). */
  ran: number;
  failures: StatementFailure[];
  /** True when the run stopped at a failure (stop-on-error) and sent nothing more. */
  stopped: boolean;
}

interface DatabaseErrorLike {
  code?: unknown;
  message?: unknown;
}

/** SQLSTATE and message of an error raised by the server through node-postgres. */
export function describeDatabaseError(error: unknown): { sqlstate: string; message: string } {
  const { code, message } = (error ?? {}) as DatabaseErrorLike;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) throw error;
  return { sqlstate: code, message: typeof message === 'string' ? message : String(message) };
}

/**
 * Runs a file's statements the way `psql -f` does: each top-level statement on its own, in
 * autocommit, so a failure undoes only that statement. By default the run goes on after a
 * failure (psql's default); with `stopOnError` it sends nothing after the first failure
 * (`psql -v ON_ERROR_STOP=1`).
 */
export async function runStatements(
  client: pg.ClientBase,
  file: string,
  statements: readonly string[],
  options: { stopOnError?: boolean } = {},
): Promise<FileRun> {
  const run: FileRun = {
    file,
    statements: statements.length,
    ran: 0,
    failures: [],
    stopped: false,
  };
  for (const [index, sql] of statements.entries()) {
    run.ran += 1;
    try {
      await client.query(sql);
    } catch (error) {
      run.failures.push({ file, statement: index + 1, ...describeDatabaseError(error) });
      if (options.stopOnError) {
        run.stopped = true;
        break;
      }
    }
  }
  return run;
}
