import pg from 'pg';
import { accountForLegacy } from './accounting.js';

export interface DropLegacyOptions {
  /** Say what would be dropped, drop nothing. */
  dryRun: boolean;
  /** Drop even rows that were never copied into attendance (legacy.unmapped_rows). */
  discardUnmapped: boolean;
}

/**
 * Drops the `legacy` schema of the user database at `databaseUrl` once every row in it is
 * accounted for (docs/switch-over.md), telling `say` each finding in one line. Answers 0 when
 * dropped (or nothing to drop, or a dry run that would drop), 1 when refused. A database that
 * cannot be reached throws.
 */
export async function dropLegacy(
  databaseUrl: string,
  options: DropLegacyOptions,
  say: (line: string) => void,
): Promise<0 | 1> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const exists = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'legacy'`,
    );
    if (!exists.rows[0]?.n) {
      say('there is no legacy schema: nothing to drop');
      return 0;
    }
    const accounting = await accountForLegacy(client);
    for (const problem of accounting.problems) say(`refused: ${problem}`);
    const unmapped = accounting.unmapped.reduce((sum, entry) => sum + entry.rows, 0);
    if (unmapped > 0) {
      const detail = accounting.unmapped
        .map((entry) => `${entry.table_name}: ${String(entry.rows)} ${entry.reason}`)
        .join(', ');
      if (options.discardUnmapped)
        say(`discarding ${String(unmapped)} row(s) never copied (${detail})`);
      else
        say(
          `refused: ${String(unmapped)} row(s) were never copied into attendance (${detail}); read ` +
            'them in legacy.unmapped_rows, then run again with --discard-unmapped to drop them anyway',
        );
    }
    if (accounting.problems.length > 0 || (unmapped > 0 && !options.discardUnmapped)) return 1;
    const rows = accounting.tables.reduce((sum, table) => sum + table.rows, 0);
    const what = `${String(accounting.tables.length)} table(s), ${String(rows)} row(s), all accounted for`;
    if (options.dryRun) {
      say(`would drop schema legacy: ${what}`);
    } else {
      await client.query('DROP SCHEMA legacy CASCADE');
      say(`dropped schema legacy: ${what}`);
    }
    return 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}
