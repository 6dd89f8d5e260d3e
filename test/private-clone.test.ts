import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINARY_CACHE, DATA_HOME, freePort } from '@cloud-backend/shared/dev';
import { waitForHttp } from '@cloud-backend/shared/testing';
import { alive, descendants, refusesConnections, type Recorded } from './support/process-tree.js';
import { makeWorkingCopy } from './support/working-copy.js';

// A clone in a folder only its owner can enter, as /root is (mode 700). As root, PostgreSQL
// runs as the user `postgres`, who cannot reach the binaries npm put in the clone nor a data
// folder there: make dev and the test run's PostgreSQL must still work, say in one line where
// the files went, and leave nothing running. Not as root, nothing moves and nothing is said.

const AS_ROOT = process.getuid?.() === 0;
const NOTICE = 'PostgreSQL runs as the user "postgres"';
const SERVICE_PORTS = [
  'GATEWAY_PORT',
  'AUTH_SERVICE_PORT',
  'USER_SERVICE_PORT',
  'SOCIAL_LOG_SERVICE_PORT',
  'DASHBOARD_API_PORT',
] as const;

let closed: string;
let clone: string;
const recorded: Recorded[] = [];
const started: ChildProcess[] = [];

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The environment of a developer's shell: none of this test run's own settings. */
function developerEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([name]) =>
      !name.startsWith('VITEST') &&
      !/DATABASE_URL$/.test(name) &&
      !['TEST', 'NODE_ENV', 'JWT_SECRET', 'DEV_DATA_DIR', 'DEV_POSTGRES_PORT'].includes(name) &&
      name !== 'FORCE_COLOR',
  );
  // Plain text, to be read by the assertions.
  return { ...Object.fromEntries(inherited), NO_COLOR: '1', ...extra };
}

/** A command in the clone, in a process group of its own as a terminal would start it. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn(command, args, {
    cwd: clone,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'close').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return { child, output: () => output, exited };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const timeout = sleep(ms, undefined, { ref: false }).then(() => {
    throw new Error(`${what} took longer than ${ms} ms`);
  });
  return Promise.race([promise, timeout]);
}

beforeAll(async () => {
  // /tmp/<random> (mode 700) plays /root; the clone lies inside it, as /root/cloud-backend.
  closed = await mkdtemp(join(tmpdir(), 'cloud-backend-closed-'));
  await chmod(closed, 0o700);
  clone = join(closed, 'cloud-backend');
  await makeWorkingCopy(clone);
}, 120_000);

afterAll(async () => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      recorded.push(...(await descendants(child.pid)));
      process.kill(-child.pid, 'SIGKILL');
    }
  }
  for (const leftover of recorded) if (alive(leftover)) process.kill(leftover.pid, 'SIGKILL');
  // As root, make dev's data lives outside the clone, where .data/postgres points.
  const data = await readlink(join(clone, '.data', 'postgres')).catch(() => undefined);
  if (data?.startsWith(`${DATA_HOME}/`)) await rm(data, { recursive: true, force: true });
  await rm(closed, { recursive: true, force: true });
});

describe('a clone in a folder only its owner can enter (as /root is)', () => {
  it(
    'runs make dev: gateway and web app answer, one line says where PostgreSQL went, Ctrl-C stops all',
    { timeout: 240_000 },
    async () => {
      const ports: Record<string, string> = { DEV_POSTGRES_PORT: String(await freePort()) };
      for (const variable of SERVICE_PORTS) ports[variable] = String(await freePort());
      const gateway = `http://127.0.0.1:${ports.GATEWAY_PORT}`;
      const dev = run('make', ['dev'], developerEnvironment(ports));

      const exitedEarly = dev.exited.then(({ code }) => {
        throw new Error(`make dev exited early with ${String(code)}:\n${dev.output()}`);
      });
      exitedEarly.catch(() => undefined);
      await Promise.race([waitForHttp(`${gateway}/health`, 180_000), exitedEarly]);
      await expect.poll(() => dev.output(), { timeout: 30_000 }).toContain('Press Ctrl-C to stop');
      const page = await fetch(`${gateway}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<script type="module"[^>]+src="\.?\/assets\//);

      const output = dev.output();
      const notices = output.split('\n').filter((line) => line.includes(NOTICE));
      if (AS_ROOT) {
        // One line, naming the folder the user cannot enter and where each part went.
        expect(notices).toHaveLength(1);
        expect(notices[0]).toContain(`who cannot enter ${closed},`);
        expect(notices[0]).toContain(`runs a copy of its binaries in ${BINARY_CACHE}/postgresql-`);
        const data = await readlink(join(clone, '.data', 'postgres'));
        expect(data.startsWith(`${DATA_HOME}/`)).toBe(true);
        expect(notices[0]).toContain(`keeps its data in ${data} (`);
      } else {
        expect(notices).toEqual([]);
      }
      expect(output).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/); // no stack trace anywhere

      const tree = await descendants(dev.child.pid ?? -1);
      recorded.push(...tree);
      expect(tree.some((p) => /bin\/postgres -D/.test(p.command))).toBe(true);

      // Ctrl-C to make dev itself. (At a terminal make gets it too, and make always ends by
      // that signal, "Interrupt", whatever its recipe did; so its exit code here is make
      // dev's own.)
      const devProcess = tree.find((p) => p.command.includes('scripts/dev.ts'));
      expect(devProcess, tree.map((p) => p.command).join('\n')).toBeDefined();
      process.kill(devProcess?.pid ?? 0, 'SIGINT');
      expect(await within(dev.exited, 60_000, 'make dev stopping')).toEqual({
        code: 0,
        signal: null,
      });
      expect(dev.output()).toMatch(/^dev +\| stopped$/m);
      await expect
        .poll(() => tree.filter(alive).map((p) => `${p.pid} ${p.command}`), { timeout: 10_000 })
        .toEqual([]);
      for (const port of Object.values(ports)) {
        expect(await refusesConnections(Number(port)), `port ${port}`).toBe(true);
      }
    },
  );

  it(
    "runs the test command's PostgreSQL: a database test file passes there, temporary data included",
    { timeout: 180_000 },
    async () => {
      // TMPDIR inside the closed folder too, so the run's throwaway data folder must move as well.
      const temporary = join(closed, 'tmp');
      await mkdir(temporary, { recursive: true });
      const vitest = run(
        process.execPath,
        [
          join(clone, 'node_modules', 'vitest', 'vitest.mjs'),
          'run',
          'shared/test/migrations.test.ts',
        ],
        developerEnvironment({ TMPDIR: temporary, CI: 'true' }),
      );
      const { code } = await within(vitest.exited, 170_000, 'vitest in the clone');
      const output = vitest.output();
      expect(code, output).toBe(0);
      expect(output).toMatch(/Tests\s+\d+ passed/);

      const notices = output.split('\n').filter((line) => line.includes(NOTICE));
      if (AS_ROOT) {
        expect(notices, output).toHaveLength(1);
        expect(notices[0]).toContain(`who cannot enter ${closed}`);
        expect(notices[0]).toContain(`runs a copy of its binaries in ${BINARY_CACHE}/postgresql-`);
        const data = /keeps its data in (\S+)/.exec(notices[0] ?? '')?.[1] ?? '';
        expect(data.startsWith(`${DATA_HOME}/temporary-`), notices[0]).toBe(true);
        // Stopped with the run, and its throwaway data gone with it.
        expect(existsSync(data)).toBe(false);
      } else {
        expect(notices).toEqual([]);
      }
    },
  );
});
