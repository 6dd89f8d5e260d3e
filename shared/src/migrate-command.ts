// `npm run migrate -w <service> [-- down [count]]`: applies (or reverts) the migrations/ folder
// of the current workspace to MIGRATION_DATABASE_URL (else DATABASE_URL), outside of a service
// start.
import { join } from 'node:path';
import { pino } from 'pino';
import { describeDatabaseUrl } from './db.js';
import { runMigrations } from './migrations.js';

const [direction = 'up', count] = process.argv.slice(2);
const databaseUrl = process.env.MIGRATION_DATABASE_URL || process.env.DATABASE_URL;
if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
  process.stderr.write(
    'DATABASE_URL: missing or invalid; expected postgres://user:password@host/db\n',
  );
  process.exit(1);
}
if (direction !== 'up' && direction !== 'down') {
  process.stderr.write(`usage: migrate [up|down] [count]\n`);
  process.exit(1);
}
const log = pino({ level: process.env.LOG_LEVEL ?? 'info' });
try {
  await runMigrations({
    databaseUrl,
    dir: join(process.cwd(), 'migrations'),
    log,
    direction,
    ...(count === undefined ? {} : { count: Number(count) }),
  });
} catch (err) {
  process.stderr.write(
    `migrate: ${describeDatabaseUrl(databaseUrl)}: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
}
