import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

// Commands run as a developer would run them at a terminal: their own environment (none of
// this test run's settings) and a process group of their own.

export interface Run {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The environment of a developer's shell: none of this test run's own settings. */
export function developerEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([name]) =>
      !name.startsWith('VITEST') &&
      !/DATABASE_URL$/.test(name) &&
      ![
        'TEST',
        'NODE_ENV',
        'JWT_SECRET',
        'ADMIN_EMAIL',
        'ADMIN_PASSWORD',
        'DEV_DATA_DIR',
        'DEV_POSTGRES_PORT',
        'DEV_FRONTEND_DIR',
        'FORCE_COLOR',
        // A make above the test run (make test) must not hold make dev's output.
        'MAKEFLAGS',
        'MFLAGS',
        'MAKELEVEL',
      ].includes(name),
  );
  // Plain text, to be read by the assertions.
  return { ...Object.fromEntries(inherited), NO_COLOR: '1', ...extra };
}

/** A command in cwd, in a process group of its own as a terminal would start it. */
export function runInShell(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Run {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'close').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return { child, output: () => output, exited };
}

/** The promise's value, or an error naming `what` once `ms` have passed. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const timeout = sleep(ms, undefined, { ref: false }).then(() => {
    throw new Error(`${what} took longer than ${ms} ms`);
  });
  return Promise.race([promise, timeout]);
}

/** True while the child has neither exited nor been killed. */
export function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
