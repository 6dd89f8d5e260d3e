/**
 * Snapshots of an original auth database (failed statements, catalogue, rows), in a form that
 * does not depend on the day they were taken: what auth-capture.ts stored from the real files
 * run with real psql (snapshots/auth-<variant>.json), and what the fixture builds today with
 * our SQL, compare equal.
 */

import pg from 'pg';
import {
  buildOriginalAuthDatabase,
  type AuthChainVariant,
  type AuthFileRunner,
  type OriginalAuthDatabase,
} from './auth-chain.js';
import { captureCatalog, type Catalog } from './catalog.js';
import { comparableMessage, readSnapshot, timeIndependent } from './snapshot.js';

export interface AuthSnapshot {
  variant: AuthChainVariant;
  chain: OriginalAuthDatabase['chain'];
  catalog: Catalog;
  /** Every account; `password` is the hash's scheme and cost (the salt differs per run). */
  users: Record<string, unknown>[];
  logs: Record<string, unknown>[];
}

/** The name of a variant's committed snapshot (under snapshots/). */
export function authSnapshotName(variant: AuthChainVariant): string {
  return `auth-${variant}`;
}

export function readAuthSnapshot(variant: AuthChainVariant): Promise<AuthSnapshot> {
  return readSnapshot<AuthSnapshot>(authSnapshotName(variant));
}

/**
 * Builds the variant on the empty database at `databaseUrl` (with our SQL, or the real files
 * when `options.runner` says so) and captures what a snapshot compares.
 */
export async function captureAuthSnapshot(
  databaseUrl: string,
  variant: AuthChainVariant,
  options: { runner?: AuthFileRunner } = {},
): Promise<AuthSnapshot> {
  const since = new Date();
  const built = await buildOriginalAuthDatabase(databaseUrl, variant, options);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`set time zone 'UTC'`);
    const { rows: today } = await client.query<{ today: string }>(
      'select current_date::text as today',
    );
    // Text, so that a timestamp and a timestamptz column read the same way in every run.
    const { rows: users } = await client.query<Record<string, unknown>>(
      `select to_jsonb(u) - 'password' - 'created_at' - 'last_login'
              || jsonb_build_object('password', substring(u.password from '^\\$2[aby]\\$\\d\\d\\$'),
                                    'created_at', u.created_at::text,
                                    'last_login', u.last_login::text) as row
         from users u order by u.id`,
    );
    const { rows: logs } = await client.query<Record<string, unknown>>(
      `select to_jsonb(l) - 'timestamp' || jsonb_build_object('timestamp', l."timestamp"::text)
              as row
         from auth_logs l order by l.id`,
    );
    const snapshot: AuthSnapshot = {
      variant,
      chain: {
        files: built.chain.files,
        failures: built.chain.failures.map((failure) => ({
          ...failure,
          message: comparableMessage(failure.message),
        })),
      },
      catalog: await captureCatalog(client),
      users: users.map((row) => row.row as Record<string, unknown>),
      logs: logs.map((row) => row.row as Record<string, unknown>),
    };
    return timeIndependent(snapshot, { since, today: today[0]?.today ?? '' });
  } finally {
    await client.end();
  }
}
