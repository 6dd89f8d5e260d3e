import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningService {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function waitUntilReady(url: string, timeoutMs: number, output: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} never became ready:\n${output()}`);
}

/** Starts a service's server.ts as `make dev` does, in its own process, and waits for it. */
export async function startService(
  entry: string,
  port: number,
  env: Record<string, string>,
  startTimeoutMs = 60_000,
): Promise<RunningService> {
  const child = spawn(
    process.execPath,
    ['--conditions=@cloud-backend/source', '--import', 'tsx', entry],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${String(port)}`;
  await waitUntilReady(url, startTimeoutMs, () => output);
  return {
    url,
    child,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/**
 * Unlabelled samples from one scrape of /metrics. One scrape, because collecting resets
 * windowed values such as the event-loop delay percentiles.
 */
export async function scrape(url: string, names: string[]): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const values: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [name, value] = line.split(' ');
    if (name !== undefined && value !== undefined && names.includes(name)) {
      values[name] = Number(value);
    }
  }
  return values;
}
