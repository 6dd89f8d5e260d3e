import { mkdtemp, readFile, readlink, rm, stat, chmod } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINARY_CACHE, DATA_HOME, freePorts } from '@cloud-backend/shared/dev';
// Its one helper's module rather than the testing index, which loads every fixture and helper.
import { waitForHttp } from '@cloud-backend/shared/testing/processes';
import {
  developerEnvironment,
  running,
  runInShell,
  within,
  type Run,
} from './support/developer-shell.js';
import { alive, descendants, refusesConnections, type Recorded } from './support/process-tree.js';
import { makeWorkingCopy } from './support/working-copy.js';

// `make dev` as a developer runs it: in a fresh clone of this working tree, from a shell, with
// none of the test run's settings. The clone lies in a folder only its owner can enter, as
// /root is (mode 700). As root, PostgreSQL runs as the user `postgres`, who cannot reach the
// binaries npm put in the clone nor a data folder there: make dev must still work, say in one
// line where the files went, and leave nothing running. Not as root, nothing moves and nothing
// is said. (test/private-clone.test.ts runs the test command in such a clone.)

const AS_ROOT = process.getuid?.() === 0;
const NOTICE = 'PostgreSQL runs as the user "postgres"';
const SERVICES = {
  gateway: { variable: 'GATEWAY_PORT', dir: 'gateway' },
  'auth-service': { variable: 'AUTH_SERVICE_PORT', dir: 'auth-service' },
  'user-service': { variable: 'USER_SERVICE_PORT', dir: 'user-service' },
  'social-log-service': { variable: 'SOCIAL_LOG_SERVICE_PORT', dir: 'social-log-service' },
  'dashboard-api': { variable: 'DASHBOARD_API_PORT', dir: 'monitoring/dashboard-api' },
} as const;
type Service = keyof typeof SERVICES;
const NAMES = Object.keys(SERVICES) as Service[];

let closed: string;
let clone: string;
let postgresPort: number;
const ports = {} as Record<Service, number>;
const recorded: Recorded[] = [];
const started: Run[] = [];

/**
 * make dev's settings: its ports, so that it does not collide with anything else running, and
 * the cheapest bcrypt cost for the first admin's new hash (the login below checks it all the
 * same; the default cost would only spend CPU).
 */
function environment(): NodeJS.ProcessEnv {
  const settings: Record<string, string> = {
    DEV_POSTGRES_PORT: String(postgresPort),
    BCRYPT_COST: '4',
  };
  for (const name of NAMES) settings[SERVICES[name].variable] = String(ports[name]);
  return developerEnvironment(settings);
}

/** `make dev` in the clone. */
function startMakeDev(): Run {
  const dev = runInShell('make', ['dev'], { cwd: clone, env: environment() });
  started.push(dev);
  return dev;
}

const READY_LINE = 'Press Ctrl-C to stop';

/**
 * Waits until make dev says it is ready (it prints the line once every /health answered it
 * 200), checks that every /health answers 200 here too, and returns how many milliseconds that
 * took. Reading make dev's output twice a second rather than asking five servers ten times a
 * second each: the servers start on the same two cores.
 */
async function waitUntilHealthy(dev: Run): Promise<number> {
  const begun = Date.now();
  const exitedEarly = dev.exited.then(({ code }) => {
    throw new Error(`make dev exited early with ${String(code)}:\n${dev.output()}`);
  });
  exitedEarly.catch(() => undefined);
  await Promise.race([
    expect.poll(() => dev.output(), { timeout: 180_000, interval: 500 }).toContain(READY_LINE),
    exitedEarly,
  ]);
  for (const name of NAMES) {
    const health = await fetch(`http://127.0.0.1:${ports[name]}/health`);
    expect(health.status, name).toBe(200);
  }
  return Date.now() - begun;
}

/** The processes below make, recorded so that none can outlive the test unnoticed. */
async function processTree(dev: Run): Promise<Recorded[]> {
  const tree = await descendants(dev.child.pid ?? -1);
  recorded.push(...tree);
  return tree;
}

/**
 * Ctrl-C to make dev itself. (At a terminal make gets it too, and make always ends by that
 * signal, "Interrupt", whatever its recipe did; sent to make dev alone, make's exit code is make
 * dev's own: 0 only when make dev exited 0.)
 */
async function stopWithCtrlC(dev: Run, tree: Recorded[]): Promise<void> {
  const devProcess = tree.find((p) => p.command.includes('scripts/dev.ts'));
  expect(devProcess, tree.map((p) => p.command).join('\n')).toBeDefined();
  process.kill(devProcess?.pid ?? 0, 'SIGINT');
  expect(await within(dev.exited, 60_000, 'make dev stopping')).toEqual({
    code: 0,
    signal: null,
  });
  expect(dev.output()).toMatch(/^dev +\| stopped$/m);
}

/** The lines of make dev's output that say where PostgreSQL's files went. */
function notices(output: string): string[] {
  return output.split('\n').filter((line) => line.includes(NOTICE));
}

function readSecrets(): Promise<string> {
  return readFile(join(clone, '.data', 'dev-secrets.json'), 'utf8');
}

async function authDatabase(): Promise<pg.Client> {
  const secrets = JSON.parse(await readSecrets()) as { roles: { auth_service: string } };
  const client = new pg.Client({
    host: '127.0.0.1',
    port: postgresPort,
    database: 'auth',
    user: 'auth_service',
    password: secrets.roles.auth_service,
  });
  await client.connect();
  return client;
}

beforeAll(async () => {
  // /tmp/<random> (mode 700) plays /root; the clone lies inside it, as /root/cloud-backend.
  closed = await mkdtemp(join(tmpdir(), 'cloud-backend-closed-'));
  await chmod(closed, 0o700);
  clone = join(closed, 'cloud-backend');
  await makeWorkingCopy(clone);
  // Different from each other: freePort() in a row can hand out the same port twice.
  const picked = await freePorts(NAMES.length + 1);
  postgresPort = picked[0] ?? 0;
  NAMES.forEach((name, index) => (ports[name] = picked[index + 1] ?? 0));
}, 120_000);

afterAll(async () => {
  for (const { child } of started) {
    if (running(child) && child.pid !== undefined) {
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

describe('make dev, in a clone in a folder only its owner can enter (as /root is)', () => {
  let firstSecrets = '';
  let dataFolder = '';

  it(
    'starts PostgreSQL and every service, serves the web app, says in one line where PostgreSQL went, and stops them all on Ctrl-C',
    { timeout: 240_000 },
    async () => {
      const dev = startMakeDev();
      const elapsed = await waitUntilHealthy(dev);
      console.info(`make dev, first run: every /health answered after ${elapsed} ms`);
      for (const name of ['auth-service', 'user-service', 'social-log-service'] as const) {
        await waitForHttp(`http://127.0.0.1:${ports[name]}/health/ready`, 30_000);
      }
      const output = dev.output();
      for (const name of NAMES) {
        expect(output).toMatch(new RegExp(`^${name} +\\| `, 'm'));
        expect(output).toContain(`http://127.0.0.1:${ports[name]}/health`);
      }
      expect(output).toContain(`127.0.0.1:${postgresPort}`);
      expect(output).not.toMatch(/postgres:\/\/[^\s]*:[^\s]*@/);
      expect(output).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/); // no stack trace anywhere

      // As root: one line, naming the folder the user cannot enter and where each part went.
      if (AS_ROOT) {
        expect(notices(output), output).toHaveLength(1);
        const [notice] = notices(output);
        expect(notice).toContain(`who cannot enter ${closed},`);
        expect(notice).toContain(`runs a copy of its binaries in ${BINARY_CACHE}/postgresql-`);
        dataFolder = await readlink(join(clone, '.data', 'postgres'));
        expect(dataFolder.startsWith(`${DATA_HOME}/`)).toBe(true);
        expect(notice).toContain(`keeps its data in ${dataFolder} (`);
      } else {
        expect(notices(output)).toEqual([]);
      }

      // The first admin exists with the generated password that make dev printed.
      const { adminPassword } = JSON.parse(await readSecrets()) as { adminPassword: string };
      expect(output).toContain(`admin@example.com / ${adminPassword}`);
      const login = await fetch(`http://127.0.0.1:${ports['auth-service']}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@example.com', password: adminPassword }),
      });
      expect(login.status).toBe(200);
      expect(((await login.json()) as { user: { role: string } }).user.role).toBe('admin');

      // The web app, built at start, is served by the gateway at /.
      expect(output).toMatch(/^dev +\| building the web app$/m);
      const page = await fetch(`http://127.0.0.1:${ports.gateway}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<script type="module"[^>]+src="\.?\/assets\//);

      const tree = await processTree(dev);
      expect(tree.some((p) => /bin\/postgres -D/.test(p.command))).toBe(true);
      // Each service runs from the bundle make dev made of its entry point, in the clone.
      for (const name of NAMES) {
        const bundle = join(clone, 'node_modules', '.cache', 'cloud-backend-dev', `${name}.mjs`);
        expect(tree.some((p) => p.command.includes(bundle))).toBe(true);
      }

      const client = await authDatabase();
      try {
        await client.query('CREATE TABLE dev_test_marker (note text)');
        await client.query("INSERT INTO dev_test_marker VALUES ('first run')");
      } finally {
        await client.end();
      }
      firstSecrets = await readSecrets();
      expect((await stat(join(clone, '.data', 'dev-secrets.json'))).mode & 0o777).toBe(0o600);
      const { jwtSecret } = JSON.parse(firstSecrets) as { jwtSecret: string };
      expect(jwtSecret.length).toBeGreaterThanOrEqual(32);

      await stopWithCtrlC(dev, tree);
      await expect
        .poll(() => tree.filter(alive).map((p) => `${p.pid} ${p.command}`), { timeout: 10_000 })
        .toEqual([]);
      for (const port of [postgresPort, ...Object.values(ports)]) {
        expect(await refusesConnections(port), `port ${port}`).toBe(true);
      }
    },
  );

  it(
    'comes back with the same secrets and data on a second run',
    { timeout: 240_000 },
    async () => {
      expect(firstSecrets).not.toBe('');
      const dev = startMakeDev();
      const elapsed = await waitUntilHealthy(dev);
      console.info(`make dev, second run: every /health answered after ${elapsed} ms`);
      const tree = await processTree(dev);

      expect(await readSecrets()).toBe(firstSecrets);
      const client = await authDatabase();
      try {
        const { rows } = await client.query<{ note: string }>('SELECT note FROM dev_test_marker');
        expect(rows).toEqual([{ note: 'first run' }]);
      } finally {
        await client.end();
      }
      // The web app's inputs did not change: the first run's build is served as it is.
      expect(dev.output()).toMatch(/^dev +\| the web app is unchanged since its last build$/m);
      expect(dev.output()).not.toMatch(/^dev +\| building the web app$/m);
      const page = await fetch(`http://127.0.0.1:${ports.gateway}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<script type="module"[^>]+src="\.?\/assets\//);

      // As root, the data is where the first run's link points, and the one line says so again.
      if (AS_ROOT) {
        expect(notices(dev.output()), dev.output()).toHaveLength(1);
        expect(notices(dev.output())[0]).toContain(`keeps its data in ${dataFolder} (`);
      } else {
        expect(notices(dev.output())).toEqual([]);
      }

      await stopWithCtrlC(dev, tree);
      await expect.poll(() => recorded.filter(alive).length, { timeout: 10_000 }).toBe(0);
    },
  );

  it(
    'says in one line that its PostgreSQL port is taken, and exits 1',
    { timeout: 120_000 },
    async () => {
      // Another program on make dev's PostgreSQL port (the earlier tests' server is stopped).
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(postgresPort, '127.0.0.1', resolve));
      try {
        // make dev's own process, for its own exit code (make would turn 1 into 2).
        const dev = runInShell(
          process.execPath,
          ['--conditions=@cloud-backend/source', '--import', 'tsx', 'scripts/dev.ts'],
          { cwd: clone, env: environment() },
        );
        started.push(dev);
        expect(await within(dev.exited, 90_000, 'make dev failing')).toEqual({
          code: 1,
          signal: null,
        });
        const output = dev.output();
        expect(output).toContain(
          `PostgreSQL did not start: port ${postgresPort} on 127.0.0.1 is already in use by ` +
            'another program (set DEV_POSTGRES_PORT to use another)',
        );
        expect(output).not.toMatch(/^\s+at /m); // no stack trace
        for (const port of Object.values(ports)) {
          expect(await refusesConnections(port), `port ${port}`).toBe(true);
        }
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
    },
  );
});
