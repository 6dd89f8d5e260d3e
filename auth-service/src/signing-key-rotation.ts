/**
 * The steps of `npm run rotate-signing-key -w auth-service -- [all|publish|activate|retire|status]`
 * (rotate-signing-key.ts runs them from the command line; tests run them in-process).
 *
 * Replaces the key that signs access tokens without refusing a valid session
 * (docs/security.md#rotation): the next key is published first and only starts signing once
 * every verifier has had time to read it; the old key stays published until the last token it
 * signed has expired. `all` runs the three steps, waiting between them; each step can also be
 * run alone (from cron, or by hand over days). The command works on the key file
 * (JWT_SIGNING_KEYS_FILE) that every auth-service replica reads again every
 * JWT_SIGNING_KEYS_RELOAD_MS.
 */
import { parseArgs } from 'node:util';
import {
  generateKey,
  readKeyFile,
  SigningKeyError,
  writeKeyFile,
  type KeyFile,
  type StoredKey,
} from './domain/signing-keys.js';

const USAGE =
  'usage: rotate-signing-key [all|publish|activate|retire|status] [--file PATH] ' +
  '[--algorithm EdDSA|ES256] [--publish-wait SECONDS] [--access-token-ttl SECONDS] ' +
  '[--margin SECONDS] [--force]';

// Clocks of the hosts differ a little; a minute on top of every wait covers it.
const MARGIN_SECONDS = 60;

interface Settings {
  file: string;
  algorithm: 'EdDSA' | 'ES256';
  /** From publishing a key to signing with it: the verifiers' refresh, auth-service's reload. */
  publishWaitSeconds: number;
  /** From the switch to removing the old key: auth-service's reload and a token's lifetime. */
  retireWaitSeconds: number;
  force: boolean;
  /** Each line of progress. */
  say: Say;
}

export class UsageError extends Error {}

function seconds(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    throw new UsageError(`${name} must be a number of seconds, got "${value}"`);
  }
  return parsed;
}

function settingsFrom(
  argv: string[],
  env: NodeJS.ProcessEnv,
  say: Say,
): { step: string; settings: Settings } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        file: { type: 'string' },
        algorithm: { type: 'string' },
        'publish-wait': { type: 'string' },
        'access-token-ttl': { type: 'string' },
        margin: { type: 'string' },
        force: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const step = positionals[0] ?? 'all';
  if (
    !['all', 'publish', 'activate', 'retire', 'status'].includes(step) ||
    positionals.length > 1
  ) {
    throw new UsageError(USAGE);
  }
  const file = values.file ?? env.JWT_SIGNING_KEYS_FILE;
  if (!file) throw new UsageError(`no key file: set JWT_SIGNING_KEYS_FILE or --file\n${USAGE}`);
  const algorithm = values.algorithm ?? env.JWT_SIGNING_ALGORITHM ?? 'EdDSA';
  if (algorithm !== 'EdDSA' && algorithm !== 'ES256') {
    throw new UsageError(`--algorithm must be EdDSA or ES256, got "${algorithm}"`);
  }
  // The defaults of the services' settings, when this shell does not have them.
  const reload =
    seconds(env.JWT_SIGNING_KEYS_RELOAD_MS, 'JWT_SIGNING_KEYS_RELOAD_MS', 10_000) / 1000;
  const refresh = seconds(env.JWKS_REFRESH_MS, 'JWKS_REFRESH_MS', 300_000) / 1000;
  const ttl = seconds(
    values['access-token-ttl'] ?? env.ACCESS_TOKEN_TTL,
    '--access-token-ttl',
    86_400,
  );
  const margin = seconds(values.margin, '--margin', MARGIN_SECONDS);
  return {
    step,
    settings: {
      file,
      algorithm,
      publishWaitSeconds: seconds(
        values['publish-wait'],
        '--publish-wait',
        reload + refresh + margin,
      ),
      retireWaitSeconds: reload + ttl + margin,
      force: values.force,
      say,
    },
  };
}

type Say = (line: string) => void;
const at = (ms: number) => new Date(ms).toISOString();
const sleepUntil = (ms: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - Date.now())));

function byState(file: KeyFile, state: StoredKey['state']): StoredKey[] {
  return file.keys.filter((key) => key.state === state);
}

/** Step 1: a new key, published but not signing. Returns when it may start signing. */
async function publish(settings: Settings): Promise<number> {
  const file = await readKeyFile(settings.file);
  const existing = byState(file, 'next')[0];
  if (existing) {
    settings.say(`a next key is already published: ${existing.kid}`);
    return signAfter(existing);
  }
  const due = Date.now() + settings.publishWaitSeconds * 1000;
  const key: StoredKey = { ...generateKey(settings.algorithm, 'next'), sign_after: at(due) };
  await writeKeyFile(settings.file, { keys: [...file.keys, key] });
  settings.say(`published ${key.kid} (${key.alg}); it may start signing at ${at(due)}`);
  return due;
}

/** When a next key may sign: publish wrote it down; a hand-added key has no wait. */
function signAfter(key: StoredKey): number {
  const due = Date.parse(key.sign_after ?? '');
  return Number.isNaN(due) ? 0 : due;
}

/** Step 2: the next key signs; the old one retires. Returns when the old one may go. */
async function activate(settings: Settings): Promise<number> {
  const file = await readKeyFile(settings.file);
  const next = byState(file, 'next')[0];
  if (!next) throw new SigningKeyError('no next key to activate: run the publish step first');
  const due = signAfter(next);
  if (!settings.force && due > Date.now()) {
    throw new SigningKeyError(
      `${next.kid} was published too recently for every verifier to know it; ` +
        `activate at ${at(due)} (or --force)`,
    );
  }
  const retireAt = Date.now() + settings.retireWaitSeconds * 1000;
  const keys = file.keys.map((key): StoredKey => {
    if (key.kid === next.kid) {
      const active: StoredKey = { ...key, state: 'active' };
      delete active.sign_after;
      return active;
    }
    if (key.state === 'active') return { ...key, state: 'retiring', retire_after: at(retireAt) };
    return key;
  });
  await writeKeyFile(settings.file, { keys });
  settings.say(`${next.kid} signs new tokens; the previous key is removed after ${at(retireAt)}`);
  return retireAt;
}

/** Step 3: remove the retiring keys whose last token has expired. */
async function retire(settings: Settings): Promise<void> {
  const file = await readKeyFile(settings.file);
  const now = Date.now();
  const due = (key: StoredKey) =>
    key.state === 'retiring' && (settings.force || Date.parse(key.retire_after ?? '') <= now);
  const removed = file.keys.filter(due);
  const waiting = byState(file, 'retiring').filter((key) => !due(key));
  if (removed.length > 0) {
    await writeKeyFile(settings.file, { keys: file.keys.filter((key) => !due(key)) });
    for (const key of removed) settings.say(`removed ${key.kid}`);
  }
  for (const key of waiting) settings.say(`${key.kid} is kept until ${key.retire_after ?? '?'}`);
  if (removed.length === 0 && waiting.length === 0) settings.say('no retiring key');
}

async function status(settings: Settings): Promise<void> {
  const file = await readKeyFile(settings.file);
  for (const key of file.keys) {
    const detail = key.retire_after ? ` until ${key.retire_after}` : '';
    settings.say(`${key.state.padEnd(8)} ${key.kid} ${key.alg}${detail}`);
  }
}

/**
 * Runs one step (or `all`) as the command line asks; `report` gets each line of progress.
 * Throws UsageError or SigningKeyError with one line saying what is wrong.
 */
export async function rotateSigningKey(
  argv: string[],
  env: NodeJS.ProcessEnv,
  report: Say,
): Promise<void> {
  const { step, settings } = settingsFrom(argv, env, report);
  const say = report;
  switch (step) {
    case 'publish':
      await publish(settings);
      return;
    case 'activate':
      await activate(settings);
      return;
    case 'retire':
      await retire(settings);
      return;
    case 'status':
      await status(settings);
      return;
    default: {
      const signFrom = await publish(settings);
      say(`waiting until ${at(signFrom)}`);
      await sleepUntil(signFrom);
      const retireFrom = await activate({ ...settings, force: true });
      say(`waiting until ${at(retireFrom)}`);
      await sleepUntil(retireFrom);
      await retire(settings);
    }
  }
}
