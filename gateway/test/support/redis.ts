import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '@cloud-backend/shared/dev';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
  /** Starts it again, empty, on the same port (after stop). */
  start(): Promise<void>;
}

/** Whether Debian's redis-server is installed (.ci/run installs it). */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** redis-server on a port, without persistence, once it accepts connections. */
async function spawnRedis(port: number): Promise<ChildProcess> {
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${output}`)));
  });
  const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await ready.finally(() => clearTimeout(timeout));
  return child;
}

/** A throwaway redis-server on a free port, without persistence, for one test file. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child = await spawnRedis(port);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    stop,
    async start() {
      await stop();
      child = await spawnRedis(port);
    },
  };
}
