import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, freePorts } from '../../../shared/src/dev/free-port.js';

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
  /** The web app as make dev built it at start (DEV_FRONTEND_DIR), in the stack's own folder. */
  frontendDir: string;
  admin: { email: string; password: string };
  /** The environment make dev was started with (its data folder, its ports). */
  env: NodeJS.ProcessEnv;
  output(): string;
  /** Undefined while make dev runs, else its exit code. */
  exitCode(): number | null | undefined;
  stop(): Promise<void>;
}

const SERVICE_PORTS = [
  'GATEWAY_PORT',
  'AUTH_SERVICE_PORT',
  'USER_SERVICE_PORT',
  'SOCIAL_LOG_SERVICE_PORT',
  'DASHBOARD_API_PORT',
] as const;

/**
 * The whole backend as `make dev` runs it (scripts/dev.ts: an embedded PostgreSQL, every
 * service, the gateway), on free ports with its data and its build of the web app in a
 * temporary directory (not frontend/dist, which a developer's make dev may be serving).
 */
export async function startStack(): Promise<Stack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cloud-backend-frontend-'));
  // As root, embedded PostgreSQL runs as "postgres", which must be able to enter this folder.
  await chmod(dataDir, 0o755);
  const frontendDir = join(dataDir, 'web');
  const names = [...SERVICE_PORTS, 'DEV_POSTGRES_PORT'];
  // Different from each other: freePort() in a row can hand out the same port twice.
  const picked = await freePorts(names.length);
  const ports = Object.fromEntries(names.map((name, i) => [name, String(picked[i])]));
  const admin = { email: 'admin@example.com', password: 'admin-password-for-tests' };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...ports,
    DEV_DATA_DIR: dataDir,
    DEV_FRONTEND_DIR: frontendDir,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    // Fast hashing, quiet logs, limits out of the way of one browser making every request.
    BCRYPT_COST: '4',
    LOG_LEVEL: 'warn',
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
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@cloud-backend/source', '--import', 'tsx', join(REPO_ROOT, 'scripts/dev.ts')],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exitCode: number | null | undefined;
  const exited = once(child, 'exit').then(([code]) => {
    exitCode = code as number | null;
  });

  const gatewayUrl = `http://127.0.0.1:${ports.GATEWAY_PORT ?? ''}`;
  const stop = async () => {
    if (exitCode === undefined) {
      child.kill('SIGINT');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timeout);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    // Ready, not just alive: the gateway has read auth-service's revocation feed.
    await waitFor200(`${gatewayUrl}/health/ready`, 120_000, () =>
      exitCode === undefined ? undefined : `make dev exited with ${String(exitCode)}:\n${output}`,
    );
    // A failed build only warns (make dev starts the API without the web app).
    if (!existsSync(join(frontendDir, 'index.html'))) {
      throw new Error(`make dev did not build the web app into ${frontendDir}:\n${output}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    gatewayUrl,
    frontendDir,
    admin,
    env,
    output: () => output,
    exitCode: () => exitCode,
    stop,
  };
}
