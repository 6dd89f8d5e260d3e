/**
 * make drop-legacy: removes, from the port's user database, the `legacy` schema in which the
 * switch-over from the original kept its tables (docs/switch-over.md), once every row in it is
 * accounted for. The check and the drop are user-service's own command
 * (user-service/src/legacy/drop-legacy-command.ts); this finds the database it runs on:
 * make dev's PostgreSQL (started for the occasion if it is not running), or with COMPOSE=1 the
 * compose stack's.
 *
 *   make drop-legacy [DRY_RUN=1] [DISCARD_UNMAPPED=1] [COMPOSE=1]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
// How the repository starts a TypeScript entry point as a process: through tsx, as make runs
// it, or in a test run from the run's bundle of it (prebuilt.ts explains why).
import { entryArguments } from '../shared/src/testing/prebuilt.js';
import { ImportError, oneLine } from './import-original/errors.js';
import { openComposeTarget } from './import-original/target-compose.js';
import { openDevTarget } from './import-original/target-dev.js';
import { withDatabase, type Target } from './import-original/target.js';

const env = process.env;
const flag = (name: string): boolean =>
  ['1', 'true', 'yes'].includes((env[name] ?? '').toLowerCase());
const USER_SERVICE = fileURLToPath(new URL('../user-service/', import.meta.url));

async function main(): Promise<number> {
  let target: Target | undefined;
  try {
    target = flag('COMPOSE') ? await openComposeTarget(env) : await openDevTarget(env);
    const users = target.databases.users_db;
    const url = withDatabase(target.adminUrl('users_db', users.name), users.name, users.owner);
    const args = [
      ...(flag('DRY_RUN') ? ['--dry-run'] : []),
      ...(flag('DISCARD_UNMAPPED') ? ['--discard-unmapped'] : []),
    ];
    const child = spawn(
      process.execPath,
      [...entryArguments('src/legacy/drop-legacy-command.ts', USER_SERVICE), ...args],
      {
        cwd: USER_SERVICE,
        env: { ...env, DATABASE_URL: url, MIGRATION_DATABASE_URL: '' },
        stdio: 'inherit',
      },
    );
    const [code] = (await once(child, 'exit')) as [number | null];
    return code ?? 1;
  } finally {
    await target?.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`drop-legacy: ${oneLine(err)}\n`);
    process.exit(err instanceof ImportError ? err.exitCode : 1);
  },
);
