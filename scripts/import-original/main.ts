/**
 * The command's whole run, apart from the process around it (scripts/import-original.ts:
 * signals, exit code): read the variables, check the sources, open the target, import or go
 * back, close the target. Tests call it in-process for what needs no process of its own.
 */
import { ImportError, oneLine } from './errors.js';
import { goBack } from './go-back.js';
import { output, withOutput, type Output } from './log.js';
import { runImport } from './run.js';
import { dumpSources, liveSources, type Source } from './sources.js';
import { openComposeTarget } from './target-compose.js';
import { openDevTarget } from './target-dev.js';
import type { Target } from './target.js';

export const USAGE =
  "usage: make import-original DUMPS=<folder of the original's backups>, or ORIGINAL_AUTH_URL=… ORIGINAL_USER_URL=… [ORIGINAL_SOCIAL_URL=…] make import-original [COMPOSE=1] [DRY_RUN=1] [REPLACE=1]";

/** What an interruption needs to clean up: the target once it is open. */
export interface Session {
  target?: Target;
  closing?: Promise<void>;
}

/** Closes the session's target once, however many times it is asked to. */
export function closeTarget(session: Session): Promise<void> {
  return (session.closing ??= session.target?.close() ?? Promise.resolve());
}

async function importOrGoBack(env: NodeJS.ProcessEnv, session: Session): Promise<number> {
  const flag = (name: string): boolean =>
    ['1', 'true', 'yes'].includes((env[name] ?? '').toLowerCase());
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

  const target = flag('COMPOSE') ? await openComposeTarget(env) : await openDevTarget(env);
  session.target = target;
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

/**
 * One run of make import-original with these variables; returns its exit code. A failure is
 * one line on stderr: an ImportError's code (1 bad input or refused, 2 a check-in would be
 * lost), 1 for anything else. The target is closed in every case.
 */
export function runCommand(
  env: NodeJS.ProcessEnv,
  session: Session = {},
  to?: Output,
): Promise<number> {
  const run = async (): Promise<number> => {
    const fail = (err: unknown) => output().stderr(`import-original: ${oneLine(err)}\n`);
    let code = 1;
    try {
      code = await importOrGoBack(env, session);
    } catch (err) {
      fail(err);
      code = err instanceof ImportError ? err.exitCode : 1;
    }
    await closeTarget(session).catch(fail);
    return code;
  };
  return to ? withOutput(to, run) : run();
}
