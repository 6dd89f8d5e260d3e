import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@cloud-backend/shared/dev';
import { spawnTypeScript, waitForHttp, type SpawnedProcess } from '@cloud-backend/shared/testing';
import { alive, descendants, refusesConnections, type Recorded } from './support/process-tree.js';

const ENTRY = new URL('../scripts/dev.ts', import.meta.url).pathname;
const SERVICES = {
  gateway: { variable: 'GATEWAY_PORT', dir: 'gateway' },
  'auth-service': { variable: 'AUTH_SERVICE_PORT', dir: 'auth-service' },
  'user-service': { variable: 'USER_SERVICE_PORT', dir: 'user-service' },
  'social-log-service': { variable: 'SOCIAL_LOG_SERVICE_PORT', dir: 'social-log-service' },
  'dashboard-api': { variable: 'DASHBOARD_API_PORT', dir: 'monitoring/dashboard-api' },
} as const;
type Service = keyof typeof SERVICES;
const NAMES = Object.keys(SERVICES) as Service[];

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const timeout = sleep(ms, undefined, { ref: false }).then(() => {
    throw new Error(`${what} took longer than ${ms} ms`);
  });
  return Promise.race([promise, timeout]);
}

let dataDir: string;
let postgresPort: number;
const ports = {} as Record<Service, number>;
const recorded: Recorded[] = [];
const running: SpawnedProcess[] = [];

function startDev(): SpawnedProcess {
  const env: Record<string, string | undefined> = {
    DEV_DATA_DIR: dataDir,
    DEV_POSTGRES_PORT: String(postgresPort),
    // The test's own environment must not steer make dev elsewhere.
    JWT_SECRET: undefined,
    AUTH_DATABASE_URL: undefined,
    USER_DATABASE_URL: undefined,
    SOCIAL_LOG_DATABASE_URL: undefined,
  };
  for (const name of NAMES) env[SERVICES[name].variable] = String(ports[name]);
  const dev = spawnTypeScript(ENTRY, env);
  running.push(dev);
  return dev;
}

/** Starts make dev and returns the milliseconds until every /health answered 200. */
async function waitUntilHealthy(dev: SpawnedProcess): Promise<number> {
  const started = Date.now();
  const exitedEarly = dev.exited.then((code) => {
    throw new Error(`make dev exited early with ${String(code)}:\n${dev.output()}`);
  });
  await Promise.race([
    Promise.all(NAMES.map((name) => waitForHttp(`http://127.0.0.1:${ports[name]}/health`, 60_000))),
    exitedEarly,
  ]);
  const elapsed = Date.now() - started;
  exitedEarly.catch(() => undefined);
  return elapsed;
}

async function stopWithCtrlC(dev: SpawnedProcess): Promise<void> {
  dev.child.kill('SIGINT');
  expect(await within(dev.exited, 30_000, 'make dev stopping')).toBe(0);
  expect(dev.output()).toContain('stopped');
}

function readSecrets(): Promise<string> {
  return readFile(join(dataDir, 'dev-secrets.json'), 'utf8');
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
  dataDir = await mkdtemp(join(tmpdir(), 'cloud-backend-dev-'));
  // Open to everyone, so that as root the data stays here: the case where the user `postgres`
  // cannot enter the folder is test/private-clone.test.ts's.
  await chmod(dataDir, 0o755);
  postgresPort = await freePort();
  for (const name of NAMES) ports[name] = await freePort();
});

afterAll(async () => {
  for (const dev of running) {
    if (dev.child.exitCode === null && dev.child.signalCode === null) {
      if (dev.child.pid !== undefined) recorded.push(...(await descendants(dev.child.pid)));
      dev.child.kill('SIGKILL');
    }
  }
  for (const leftover of recorded) {
    if (alive(leftover)) process.kill(leftover.pid, 'SIGKILL');
  }
  await rm(dataDir, { recursive: true, force: true });
});

describe('make dev (scripts/dev.ts)', () => {
  let firstSecrets = '';

  it(
    'starts PostgreSQL and every service, and stops them all on Ctrl-C',
    { timeout: 120_000 },
    async () => {
      const dev = startDev();
      const elapsed = await waitUntilHealthy(dev);
      console.info(`make dev, first run: every /health answered after ${elapsed} ms`);
      for (const name of ['auth-service', 'user-service', 'social-log-service'] as const) {
        await waitForHttp(`http://127.0.0.1:${ports[name]}/health/ready`, 10_000);
      }
      await expect.poll(() => dev.output(), { timeout: 5_000 }).toContain('Press Ctrl-C to stop');
      const output = dev.output();
      for (const name of NAMES) {
        expect(output).toMatch(new RegExp(`^${name} +\\| `, 'm'));
        expect(output).toContain(`http://127.0.0.1:${ports[name]}/health`);
      }
      expect(output).toContain(`127.0.0.1:${postgresPort}`);
      expect(output).not.toMatch(/postgres:\/\/[^\s]*:[^\s]*@/);

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
      const page = await fetch(`http://127.0.0.1:${ports.gateway}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<script type="module"[^>]+src="\.?\/assets\//);

      const tree = await descendants(dev.child.pid ?? -1);
      recorded.push(...tree);
      expect(tree.some((p) => /bin\/postgres -D/.test(p.command))).toBe(true);
      for (const name of NAMES) {
        expect(tree.some((p) => p.command.includes(`${SERVICES[name].dir}/src/server.ts`))).toBe(
          true,
        );
      }

      const client = await authDatabase();
      try {
        await client.query('CREATE TABLE dev_test_marker (note text)');
        await client.query("INSERT INTO dev_test_marker VALUES ('first run')");
      } finally {
        await client.end();
      }
      firstSecrets = await readSecrets();
      expect((await stat(join(dataDir, 'dev-secrets.json'))).mode & 0o777).toBe(0o600);
      const { jwtSecret } = JSON.parse(firstSecrets) as { jwtSecret: string };
      expect(jwtSecret.length).toBeGreaterThanOrEqual(32);

      await stopWithCtrlC(dev);
      await expect
        .poll(() => tree.filter(alive).map((p) => `${p.pid} ${p.command}`), { timeout: 5_000 })
        .toEqual([]);
      for (const port of [postgresPort, ...Object.values(ports)]) {
        expect(await refusesConnections(port), `port ${port}`).toBe(true);
      }
    },
  );

  it(
    'comes back with the same secrets and data on a second run',
    { timeout: 120_000 },
    async () => {
      expect(firstSecrets).not.toBe('');
      const dev = startDev();
      const elapsed = await waitUntilHealthy(dev);
      console.info(`make dev, second run: every /health answered after ${elapsed} ms`);
      recorded.push(...(await descendants(dev.child.pid ?? -1)));

      expect(await readSecrets()).toBe(firstSecrets);
      const client = await authDatabase();
      try {
        const { rows } = await client.query<{ note: string }>('SELECT note FROM dev_test_marker');
        expect(rows).toEqual([{ note: 'first run' }]);
      } finally {
        await client.end();
      }

      await stopWithCtrlC(dev);
      await expect.poll(() => recorded.filter(alive).length, { timeout: 5_000 }).toBe(0);
    },
  );

  it('says in one line that its PostgreSQL port is taken, and exits 1', async () => {
    // Another program on make dev's PostgreSQL port (the earlier tests' server is stopped).
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(postgresPort, '127.0.0.1', resolve));
    try {
      const dev = startDev();
      expect(await within(dev.exited, 60_000, 'make dev failing')).toBe(1);
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
  });
});
