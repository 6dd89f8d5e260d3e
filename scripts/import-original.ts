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
import { closeTarget, runCommand, type Session } from './import-original/main.js';
import { swapping } from './import-original/run.js';

const session: Session = {};

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
    void Promise.resolve(session.target?.startServices?.())
      .catch(() => undefined)
      .then(() => closeTarget(session))
      .finally(() => process.exit(130));
  });
}

process.exit(await runCommand(process.env, session));
