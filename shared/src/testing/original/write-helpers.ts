import type pg from 'pg';
import { describeDatabaseError } from './run-statements.js';

/** A statement of the original's code that the server refused while a writer replayed it. */
export interface WriteError {
  /** Which statement of the handler (a short label such as `insert event`). */
  step: string;
  sqlstate: string;
  message: string;
}

export type QueryOutcome<Row> = { ok: true; rows: Row[] } | { ok: false; error: WriteError };

/** Runs one statement in autocommit, as the original's handlers did, keeping a refusal. */
export async function attempt<Row extends pg.QueryResultRow = pg.QueryResultRow>(
  client: pg.ClientBase,
  step: string,
  sql: string,
  values: unknown[] = [],
): Promise<QueryOutcome<Row>> {
  try {
    const result = await client.query<Row>(sql, values);
    return { ok: true, rows: result.rows };
  } catch (error) {
    return { ok: false, error: { step, ...describeDatabaseError(error) } };
  }
}

/** Whether a column exists (the original's schema changed under its code over time). */
export async function hasColumn(
  client: pg.ClientBase,
  table: string,
  column: string,
): Promise<boolean> {
  const { rows } = await client.query(
    `select 1 from information_schema.columns
      where table_schema = 'public' and table_name = $1 and column_name = $2`,
    [table, column],
  );
  return rows.length > 0;
}

/**
 * Column assignments for an insert: the ones the code wrote, plus, when the writer is told
 * when it happened (`at`), the columns the database would have filled with now(), so that a
 * fixture built today holds the times of its story. Only existing columns are added.
 */
export async function withTimes(
  client: pg.ClientBase,
  table: string,
  written: Record<string, unknown>,
  at: string | undefined,
  defaultedToNow: readonly string[],
): Promise<{ columns: string; placeholders: string; values: unknown[] }> {
  const assigned: Record<string, unknown> = { ...written };
  if (at !== undefined) {
    for (const column of defaultedToNow) {
      if (!(column in assigned) && (await hasColumn(client, table, column))) assigned[column] = at;
    }
  }
  const names = Object.keys(assigned);
  return {
    columns: names.map((name) => `"${name}"`).join(', '),
    placeholders: names.map((_, index) => `$${index + 1}`).join(', '),
    values: names.map((name) => assigned[name]),
  };
}
