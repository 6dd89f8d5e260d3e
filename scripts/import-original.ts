/**
 * make import-original: switches an operator of the original over to the port.
 *
 *   make import-original DUMPS=<folder>          the newest backup of each database there
 *   ORIGINAL_AUTH_URL=… ORIGINAL_USER_URL=… [ORIGINAL_SOCIAL_URL=…] make import-original
 *                                                the original's live databases (read only)
 *   COMPOSE=1      into the compose stack's servers instead of make dev's PostgreSQL
 *   DRY_RUN=1      everything but the swap: the same report, the port untouched
 *   REPLACE=1      import over databases that hold data (kept as <name>_before_import_<time>)
 *   GO_BACK=<time> put back the databases a REPLACE=1 import kept at <time>
 *
 * Bad input ends with one line on stderr and exit 1; a check-in that would be lost, with the
 * report and exit 2. In both cases the port's databases are as they were.
 */
import { ImportError, oneLine } from './import-original/errors.js';
import { goBack } from './import-original/go-back.js';
import { runImport, swapping } from './import-original/run.js';
import { dumpSources, liveSources, type Source } from './import-original/sources.js';
import { openComposeTarget } from './import-original/target-compose.js';
import { openDevTarget } from './import-original/target-dev.js';
import type { Target } from './import-original/target.js';

const env = process.env;
const flag = (name: string): boolean =>
  ['1', 'true', 'yes'].includes((env[name] ?? '').toLowerCase());

const USAGE =
  "usage: make import-original DUMPS=<folder of the original's backups>, or ORIGINAL_AUTH_URL=… ORIGINAL_USER_URL=… [ORIGINAL_SOCIAL_URL=…] make import-original [COMPOSE=1] [DRY_RUN=1] [REPLACE=1]";

let target: Target | undefined;
let closing: Promise<void> | undefined;
const closeTarget = (): Promise<void> => (closing ??= target?.close() ?? Promise.resolve());

async function main(): Promise<number> {
  const dumps = env.DUMPS ?? '';
  const live = Boolean(env.ORIGINAL_AUTH_URL || env.ORIGINAL_USER_URL || env.ORIGINAL_SOCIAL_URL);
  const stamp = env.GO_BACK ?? '';
  if (stamp === '' && dumps === '' && !live) throw new ImportError(USAGE);
  if (dumps !== '' && live) throw new ImportError('give DUMPS or ORIGINAL_*_URL, not both');

  // The sources are checked whole before the target is opened or touched.
  const warnings: string[] = [];
  let sources: Source[] = [];
  if (stamp === '')
    sources = dumps !== '' ? await dumpSources(dumps, warnings) : await liveSources(env, warnings);

  target = flag('COMPOSE') ? await openComposeTarget(env) : await openDevTarget(env);
  if (stamp !== '') {
    await goBack(target, stamp);
    return 0;
  }
  return runImport(
    sources,
    target,
    { dryRun: flag('DRY_RUN'), replace: flag('REPLACE') },
    warnings,
  );
}

// Ctrl-C: the port's databases are as they were (staging databases left behind are dropped
// by the next run); services stopped for the swap are started again, and a server this command
// started is stopped. During the swap itself it waits for the swap to end.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (swapping.now) {
      process.stderr.write(`import-original: ${signal}: finishing the swap first\n`);
      return;
    }
    process.stderr.write(
      `import-original: ${signal}: stopping; the port's databases are as they were\n`,
    );
    void Promise.resolve(target?.startServices?.())
      .catch(() => undefined)
      .then(closeTarget)
      .finally(() => process.exit(130));
  });
}

let code = 1;
try {
  code = await main();
} catch (err) {
  process.stderr.write(`import-original: ${oneLine(err)}\n`);
  code = err instanceof ImportError ? err.exitCode : 1;
}
await closeTarget().catch((err: unknown) => {
  process.stderr.write(`import-original: ${oneLine(err)}\n`);
});
process.exit(code);
