import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { bundlePath } from './bundles.js';
import { pipeLines, warn } from './output.js';
import { REPO_ROOT } from './settings.js';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child of make dev, in a process group of its own. */
export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Settles once the child has exited and its output has been copied out. */
  exited: Promise<ExitStatus>;
  hasExited(): boolean;
}

export interface LaunchOptions {
  name: string;
  /** The bundle of the entry point to run (bundles.ts). */
  entry: string;
  env: NodeJS.ProcessEnv;
  /** Lines of stdout this returns true for are consumed rather than printed. */
  intercept?: (line: string) => boolean;
  /** stdin stays a pipe the caller writes to; otherwise it is closed. */
  stdin?: boolean;
}

export function describeExit({ code, signal }: ExitStatus): string {
  return signal ? `killed by ${signal}` : `exit code ${String(code)}`;
}

export function launch(options: LaunchOptions): ManagedProcess {
  const lifeline = pathToFileURL(bundlePath('exit-with-parent')).href;
  const preload = options.stdin ? [] : ['--import', lifeline];
  const child = spawn(
    process.execPath,
    ['--conditions=@cloud-backend/source', '--enable-source-maps', ...preload, options.entry],
    {
      cwd: REPO_ROOT,
      env: options.env,
      // A group of its own: the terminal's Ctrl-C reaches make dev alone, which then stops the
      // children in order, and one kill(-pid) reaches everything a child started.
      detached: true,
      // fd 3 is the lifeline exit-with-parent.ts watches; stdin serves that role for a child
      // that reads it.
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', options.stdin ? 'ignore' : 'pipe'],
    },
  );
  let done = false;
  const exited = new Promise<ExitStatus>((resolve) => {
    // 'close' rather than 'exit': it waits for the last output line to be copied out too.
    child.once('close', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      warn(`${options.name} could not be started: ${err.message}`);
    });
  });
  if (child.stdout) pipeLines(options.name, child.stdout, process.stdout, options.intercept);
  if (child.stderr) pipeLines(options.name, child.stderr, process.stderr);
  return { name: options.name, child, exited, hasExited: () => done };
}

/** SIGKILL to the child's whole group; a group that is already gone is not an error. */
export function killGroup(managed: ManagedProcess): void {
  const pid = managed.child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/**
 * SIGTERM, then SIGKILL to the whole group if the child has not exited after graceMs. The
 * group is swept either way, in case the child left something behind.
 */
export async function stopProcess(managed: ManagedProcess, graceMs: number): Promise<ExitStatus> {
  if (!managed.hasExited()) {
    managed.child.kill('SIGTERM');
    const timer = sleep(graceMs, 'timeout' as const, { ref: false });
    if ((await Promise.race([managed.exited, timer])) === 'timeout') {
      warn(`${managed.name} did not stop within ${String(graceMs / 1000)} s; killing it`);
      killGroup(managed);
    }
  }
  const status = await managed.exited;
  killGroup(managed);
  return status;
}
