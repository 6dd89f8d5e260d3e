// `npm run drop-legacy -w user-service [-- --dry-run] [-- --discard-unmapped]`: removes the
// `legacy` schema (the original's tables, kept read-only after the switch-over) from
// DATABASE_URL, but only once every row in it is accounted for (docs/switch-over.md).
// Exit codes: 0 dropped (or nothing to drop, or a dry run that would drop), 1 refused,
// 2 bad usage or no database.
import pg from 'pg';
import { describeDatabaseUrl } from '@cloud-backend/shared';
import { accountForLegacy } from './accounting.js';

const USAGE = 'usage: drop-legacy [--dry-run] [--discard-unmapped]';
const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--dry-run' && arg !== '--discard-unmapped');
if (unknown.length > 0) {
  process.stderr.write(`drop-legacy: unknown argument ${unknown.join(' ')}\n${USAGE}\n`);
  process.exit(2);
}
const dryRun = args.includes('--dry-run');
const discardUnmapped = args.includes('--discard-unmapped');

const databaseUrl = process.env.MIGRATION_DATABASE_URL || process.env.DATABASE_URL;
if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
  process.stderr.write('drop-legacy: DATABASE_URL is missing or not a postgres:// URL\n');
  process.exit(2);
}

const say = (line: string) => process.stdout.write(`drop-legacy: ${line}\n`);
const client = new pg.Client({ connectionString: databaseUrl });
let code = 0;
try {
  await client.connect();
  const exists = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'legacy'`,
  );
  if (!exists.rows[0]?.n) {
    say('there is no legacy schema: nothing to drop');
  } else {
    const accounting = await accountForLegacy(client);
    for (const problem of accounting.problems) say(`refused: ${problem}`);
    const unmapped = accounting.unmapped.reduce((sum, entry) => sum + entry.rows, 0);
    if (unmapped > 0) {
      const detail = accounting.unmapped
        .map((entry) => `${entry.table_name}: ${entry.rows} ${entry.reason}`)
        .join(', ');
      if (discardUnmapped) say(`discarding ${unmapped} row(s) never copied (${detail})`);
      else
        say(
          `refused: ${unmapped} row(s) were never copied into attendance (${detail}); read them ` +
            'in legacy.unmapped_rows, then run again with --discard-unmapped to drop them anyway',
        );
    }
    const refused = accounting.problems.length > 0 || (unmapped > 0 && !discardUnmapped);
    const rows = accounting.tables.reduce((sum, table) => sum + table.rows, 0);
    if (refused) {
      code = 1;
    } else if (dryRun) {
      say(
        `would drop schema legacy: ${accounting.tables.length} table(s), ${rows} row(s), all accounted for`,
      );
    } else {
      await client.query('DROP SCHEMA legacy CASCADE');
      say(
        `dropped schema legacy: ${accounting.tables.length} table(s), ${rows} row(s), all accounted for`,
      );
    }
  }
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`drop-legacy: ${describeDatabaseUrl(databaseUrl)}: ${message}\n`);
  code = 2;
} finally {
  await client.end().catch(() => undefined);
}
process.exit(code);
