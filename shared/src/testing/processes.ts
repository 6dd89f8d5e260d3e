import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { entryArguments } from './prebuilt.js';

export interface SpawnedProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * Runs a TypeScript entry point (a path relative to `cwd`, or absolute) as its own Node process,
 * for tests of real processes: in a Vitest run, from the run's bundle of it (prebuilt.ts), else
 * through tsx as `make dev` runs it.
 */
export function spawnTypeScript(
  entry: string,
  env: Record<string, string | undefined>,
  options: { cwd?: string; args?: string[] } = {},
): SpawnedProcess {
  const child = spawn(
    process.execPath,
    [...entryArguments(entry, options.cwd), ...(options.args ?? [])],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: options.cwd },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

/** Polls a URL until it answers with `status`, or throws after timeoutMs. */
export async function waitForHttp(url: string, timeoutMs: number, status = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.status === status) return;
      last = `status ${response.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (${last})`);
}
