// `npm run drop-legacy -w user-service [-- --dry-run] [-- --discard-unmapped]`: removes the
// `legacy` schema (the original's tables, kept read-only after the switch-over) from
// DATABASE_URL, but only once every row in it is accounted for (docs/switch-over.md).
// Exit codes: 0 dropped (or nothing to drop, or a dry run that would drop), 1 refused,
// 2 bad usage or no database.
import { describeDatabaseUrl } from '@cloud-backend/shared';
import { dropLegacy } from './drop-legacy.js';

const USAGE = 'usage: drop-legacy [--dry-run] [--discard-unmapped]';
const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--dry-run' && arg !== '--discard-unmapped');
if (unknown.length > 0) {
  process.stderr.write(`drop-legacy: unknown argument ${unknown.join(' ')}\n${USAGE}\n`);
  process.exit(2);
}

const databaseUrl = process.env.MIGRATION_DATABASE_URL || process.env.DATABASE_URL;
if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
  process.stderr.write('drop-legacy: DATABASE_URL is missing or not a postgres:// URL\n');
  process.exit(2);
}

try {
  const code = await dropLegacy(
    databaseUrl,
    { dryRun: args.includes('--dry-run'), discardUnmapped: args.includes('--discard-unmapped') },
    (line) => process.stdout.write(`drop-legacy: ${line}\n`),
  );
  process.exit(code);
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`drop-legacy: ${describeDatabaseUrl(databaseUrl)}: ${message}\n`);
  process.exit(2);
}
