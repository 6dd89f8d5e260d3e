import { AsyncLocalStorage } from 'node:async_hooks';

/** Where a run's output goes: the process's stdout and stderr, or a caller's (tests). */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

const STANDARD: Output = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

// Per run rather than per process, so that runs in one process (tests) keep theirs apart.
const current = new AsyncLocalStorage<Output>();

/** Runs `run` with its output going to `output`. */
export function withOutput<T>(output: Output, run: () => Promise<T>): Promise<T> {
  return current.run(output, run);
}

/** The output of the run in progress. */
export function output(): Output {
  return current.getStore() ?? STANDARD;
}

/** Progress lines of the import, on stdout; the report follows them. */
export function log(text: string): void {
  output().stdout(`import-original: ${text}\n`);
}
