import type { Pool, PoolClient } from '@cloud-backend/shared';

/** A pool or a transaction's client: repositories run on either. */
export type Db = Pool | PoolClient;

/** PostgreSQL's SQLSTATE of an error, if it is one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
