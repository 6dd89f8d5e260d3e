import type pg from 'pg';

/** A pool or a client inside a transaction: repositories work with either. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** SQLSTATE of a unique violation. */
export const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === UNIQUE_VIOLATION;
}
