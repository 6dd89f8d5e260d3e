import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, freePorts } from '../../../shared/src/dev/free-port.js';
import {
  databaseUrl,
  provisionDatabases,
  type DatabaseSpec,
} from '../../../shared/src/dev/provision.js';
import { postgresAdminUrl, withAdmin } from '../../../shared/src/testing/database.js';
import { entryArguments } from '../../../shared/src/testing/prebuilt.js';
import { buildFrontend } from '../../../scripts/dev/frontend.js';
import {
  readSettings,
  serviceEnvironments,
  SERVICES,
  type DatabaseUrls,
  type DevSettings,
  type ServiceName,
  type ServiceSecrets,
} from '../../../scripts/dev/settings.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** shared/'s, imported by its file: the package's dev entry would load PostgreSQL's too. */
export { freePort };

/** Polls `url` until it answers 200, or throws after `timeoutMs`. */
export async function waitFor200(
  url: string,
  timeoutMs: number,
  failed?: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const failure = failed?.();
    if (failure !== undefined) throw new Error(failure);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `status ${String(response.status)}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer 200 within ${String(timeoutMs)} ms (${last})`);
}

export interface Stack {
  gatewayUrl: string;
  /** The web app as make dev builds it at start, in the stack's own folder. */
  frontendDir: string;
  admin: { email: string; password: string };
  /** The environment the services' environments were computed from (as make dev's own). */
  env: NodeJS.ProcessEnv;
  /** make dev's settings for this stack: its data folder, its ports. */
  settings: DevSettings;
  databases: DatabaseUrls;
  secrets: ServiceSecrets;
  /** Every service's output so far, each line prefixed with its name. */
  output(): string;
  /** Undefined while every service runs, else which one ended and how. */
  exitCode(): string | undefined;
  stop(): Promise<void>;
}

const PORT_VARIABLES = SERVICES.map((service) => service.portVariable);

/** A service's readiness: the gateway's says it has read auth-service's revocation feed. */
const READY_PATH: Record<ServiceName, string> = {
  gateway: '/health/ready',
  'auth-service': '/health/ready',
  'user-service': '/health/ready',
  'social-log-service': '/health/ready',
  'dashboard-api': '/health',
};

/**
 * The backend as `make dev` runs it, on free ports: every service with the environment
 * scripts/dev/settings.ts computes for make dev, the gateway serving the web app built by make
 * dev's own build step (scripts/dev/frontend.ts) into a temporary folder (not frontend/dist,
 * which a developer's make dev may be serving). What make dev adds around them is left out,
 * as test/dev.test.ts runs make dev itself: the services start from the test run's bundles
 * rather than through tsx, and their databases are three new ones on the test run's
 * PostgreSQL, provisioned by make dev's own function (an owner role each, read-only roles for
 * the cross-reads), under names of this stack's own, since roles are shared by a whole server.
 */
export async function startStack(): Promise<Stack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cloud-backend-frontend-'));
  const frontendDir = join(dataDir, 'web');
  const picked = await freePorts(PORT_VARIABLES.length);
  const ports = Object.fromEntries(PORT_VARIABLES.map((name, i) => [name, String(picked[i])]));
  const admin = { email: 'admin@example.com', password: 'admin-password-for-tests' };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...ports,
    DEV_DATA_DIR: dataDir,
    DEV_FRONTEND_DIR: frontendDir,
    // Fast hashing, quiet logs, limits out of the way of one browser making every request.
    BCRYPT_COST: '4',
    LOG_LEVEL: 'warn',
    // JSON lines: make dev's pretty printing would start a worker thread in every service.
    LOG_FORMAT: 'json',
    RATE_LIMIT_GLOBAL_MAX: '100000',
    RATE_LIMIT_LOGIN_MAX: '1000',
    RATE_LIMIT_REGISTER_MAX: '1000',
    EVENT_TIMEZONE: 'Europe/Rome',
    // The silent-refresh check fast-forwards the browser clock by a day less a minute.
    ACCESS_TOKEN_TTL: '86400',
  };
  // The test's own environment must not point the stack elsewhere.
  for (const name of [
    'JWT_SECRET',
    'AUTH_DATABASE_URL',
    'USER_DATABASE_URL',
    'SOCIAL_LOG_DATABASE_URL',
    'DATABASE_URL',
    'NODE_OPTIONS',
  ]) {
    env[name] = undefined;
  }
  const settings = readSettings(env);

  const suffix = randomBytes(4).toString('hex');
  const secret = () => randomBytes(24).toString('hex');
  const role = (name: string) => ({ role: `${name}_${suffix}`, password: secret() });
  const auth = {
    database: `auth_${suffix}`,
    owner: role('auth_service'),
    readonly: role('auth_readonly'),
  };
  const users = {
    database: `users_${suffix}`,
    owner: role('user_service'),
    readonly: role('users_readonly'),
  };
  const socialLogs = { database: `social_logs_${suffix}`, owner: role('social_log_service') };
  const specs: DatabaseSpec[] = [auth, users, socialLogs];
  const url = (database: string, login: { role: string; password: string }) =>
    databaseUrl(postgresAdminUrl(), database, login.role, login.password);
  const databases: DatabaseUrls = {
    auth: url(auth.database, auth.owner),
    users: url(users.database, users.owner),
    socialLogs: url(socialLogs.database, socialLogs.owner),
    authReadonly: url(auth.database, auth.readonly),
    usersReadonly: url(users.database, users.readonly),
  };
  const secrets: ServiceSecrets = { jwtSecret: secret(), internalToken: secret(), admin };

  const children: { name: ServiceName; child: ChildProcess }[] = [];
  let output = '';
  let ended: string | undefined;
  let stopping = false;
  const dropDatabases = () =>
    withAdmin(async (client) => {
      for (const spec of specs) {
        await client.query(
          `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(spec.database)} WITH (FORCE)`,
        );
      }
      for (const spec of specs) {
        for (const { role: name } of [spec.owner, ...(spec.readonly ? [spec.readonly] : [])]) {
          await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`);
        }
      }
    });
  const stop = async () => {
    stopping = true;
    await Promise.all(
      children.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timeout);
      }),
    );
    await dropDatabases().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const [build] = await Promise.all([
      buildFrontend(frontendDir, () => undefined),
      provisionDatabases(postgresAdminUrl(), specs),
    ]);
    if ('problem' in build || !existsSync(join(frontendDir, 'index.html'))) {
      const why = 'problem' in build ? `: ${build.problem}` : '';
      throw new Error(`make dev's build step did not build the web app into ${frontendDir}${why}`);
    }
    const environments = serviceEnvironments(env, settings, databases, secrets);
    for (const { name, dir } of SERVICES) {
      const child = spawn(
        process.execPath,
        entryArguments(join(dir, 'src', 'server.ts'), REPO_ROOT),
        { cwd: REPO_ROOT, env: environments[name], stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const keep = (chunk: Buffer) => {
        output += chunk
          .toString()
          .split(/(?<=\n)/)
          .map((line) => `${name} | ${line}`)
          .join('');
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.once('exit', (code, signal) => {
        if (!stopping) ended ??= `${name} exited (${signal ?? String(code)})`;
      });
      children.push({ name, child });
    }
    await Promise.all(
      SERVICES.map(({ name }) =>
        waitFor200(
          `http://127.0.0.1:${String(settings.ports[name])}${READY_PATH[name]}`,
          120_000,
          () => (ended === undefined ? undefined : `${ended}:\n${output}`),
        ),
      ),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    gatewayUrl: `http://127.0.0.1:${String(settings.ports.gateway)}`,
    frontendDir,
    admin,
    env,
    settings,
    databases,
    secrets,
    output: () => output,
    exitCode: () => ended,
    stop,
  };
}
