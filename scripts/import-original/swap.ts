/**
 * The target's state before the import, and the swap: the port's databases renamed aside (kept,
 * or dropped when they held nothing), the staging databases renamed into their place. On one
 * server the renames are one transaction; across servers (compose) a failure renames back what
 * was already done.
 */
import pg from 'pg';
import { ImportError } from './errors.js';
import type { OriginalDatabase } from './names.js';
import { withClient } from './staging.js';
import type { Target } from './target.js';

const ident = (name: string) => pg.escapeIdentifier(name);

export interface TargetState {
  exists: boolean;
  /** Tables that hold at least one row (pgmigrations aside): empty means nothing to lose. */
  tablesWithRows: string[];
}

export async function targetState(
  target: Target,
  original: OriginalDatabase,
): Promise<TargetState> {
  const name = target.databases[original].name;
  const found = await withClient(target.adminUrl(original, 'postgres'), (admin) =>
    admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]),
  );
  if (!found.rowCount) return { exists: false, tablesWithRows: [] };
  return withClient(target.adminUrl(original, name), async (client) => {
    const tables = await client.query<{ name: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname !~ '^pg_' AND c.relname <> 'pgmigrations'
        ORDER BY 1`,
    );
    const tablesWithRows: string[] = [];
    for (const { name: table } of tables.rows) {
      const rows = await client.query(`SELECT 1 FROM ${table} LIMIT 1`);
      if (rows.rowCount) tablesWithRows.push(table.replace(/^public\./, ''));
    }
    return { exists: true, tablesWithRows };
  });
}

/**
 * Refuses while any other client is connected to one of the databases. Only client backends
 * count: an autovacuum worker busy on a freshly imported database is no user of it, and the
 * rename that follows makes PostgreSQL stop such workers itself.
 */
export async function refuseConnected(
  target: Target,
  originals: OriginalDatabase[],
): Promise<void> {
  for (const original of originals) {
    const name = target.databases[original].name;
    const result = await withClient(target.adminUrl(original, 'postgres'), (admin) =>
      admin.query<{ n: string; users: string }>(
        `SELECT count(*) AS n, string_agg(DISTINCT usename, ', ') AS users
           FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        [name],
      ),
    );
    const n = Number(result.rows[0]?.n ?? 0);
    if (n > 0) {
      throw new ImportError(
        `${n} connection(s) to the port's database ${name} (as ${result.rows[0]?.users ?? '?'}): ${target.stopHint}; nothing was changed`,
      );
    }
  }
}

export interface SwapStep {
  original: OriginalDatabase;
  staging: string;
  target: string;
  /** Where the port's old database went, when it held data. */
  keptAs?: string;
  /** An old database that held nothing, renamed aside and dropped after the swap. */
  dropAfter?: string;
}

function isInUse(err: unknown): boolean {
  return (err as { code?: string }).code === '55006';
}

/** Renames, grouped by server: each group in one transaction. */
export async function swap(target: Target, steps: SwapStep[]): Promise<void> {
  const groups = new Map<string, SwapStep[]>();
  for (const step of steps) {
    const server = new URL(target.adminUrl(step.original, 'postgres')).host;
    groups.set(server, [...(groups.get(server) ?? []), step]);
  }
  const done: SwapStep[][] = [];
  try {
    for (const group of groups.values()) {
      const first = group[0];
      if (!first) continue;
      await withClient(target.adminUrl(first.original, 'postgres'), async (admin) => {
        await admin.query('BEGIN');
        try {
          for (const step of group) {
            const aside = step.keptAs ?? step.dropAfter;
            if (aside) {
              await admin.query(`ALTER DATABASE ${ident(step.target)} RENAME TO ${ident(aside)}`);
            }
            await admin.query(
              `ALTER DATABASE ${ident(step.staging)} RENAME TO ${ident(step.target)}`,
            );
          }
          await admin.query('COMMIT');
        } catch (err) {
          await admin.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      });
      done.push(group);
    }
  } catch (err) {
    await undo(target, done);
    if (isInUse(err)) {
      throw new ImportError(
        `a service connected to the port's databases during the swap: ${target.stopHint}; nothing was changed`,
      );
    }
    throw new ImportError(`the swap failed: ${(err as Error).message}; nothing was changed`);
  }
  // Old databases that held nothing are not worth keeping.
  for (const step of steps) {
    if (step.dropAfter) {
      await withClient(target.adminUrl(step.original, 'postgres'), (admin) =>
        admin.query(`DROP DATABASE IF EXISTS ${ident(step.dropAfter ?? '')} WITH (FORCE)`),
      );
    }
  }
}

async function undo(target: Target, groups: SwapStep[][]): Promise<void> {
  for (const group of groups) {
    for (const step of group) {
      const aside = step.keptAs ?? step.dropAfter;
      await withClient(target.adminUrl(step.original, 'postgres'), async (admin) => {
        await admin.query(`ALTER DATABASE ${ident(step.target)} RENAME TO ${ident(step.staging)}`);
        if (aside)
          await admin.query(`ALTER DATABASE ${ident(aside)} RENAME TO ${ident(step.target)}`);
      }).catch(() => undefined);
    }
  }
}
