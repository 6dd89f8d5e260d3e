// The Docker stack of test/ops/compose.e2e.ts: its compose project, ports and backup folder,
// and the ways the test drives it (docker compose, make, HTTPS through nginx, psql).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { expect } from 'vitest';
import { repoPath } from './support.js';

export const PROJECT = process.env.COMPOSE_E2E_PROJECT ?? `cbe2e${randomBytes(3).toString('hex')}`;
// Every service but the two without a stand-in image here.
export const SERVICES = [
  'auth-db',
  'user-db',
  'social-log-db',
  'auth-service',
  'user-service',
  'social-log-service',
  'dashboard-api',
  'gateway',
  'nginx',
  'prometheus-service',
  'pg-backup',
];
export const DATABASES = ['auth_logs_db', 'users_db', 'social_logs_db'];
export const ADMIN = { email: 'admin@example.com', password: 'development-only-admin' };

export interface Ports {
  http: number;
  https: number;
  prometheus: number;
}
/** Set by the test once it has chosen its ports and made its backup folder. */
export const stack = {
  ports: { http: 0, https: 0, prometheus: 0 } satisfies Ports,
  backupDir: '',
  /** nginx's self-signed certificate, once the stack has made it. */
  certificate: '',
};

export function composeEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    COMPOSE_PROJECT_NAME: PROJECT,
    HTTP_PORT: String(stack.ports.http),
    HTTPS_PORT: String(stack.ports.https),
    PROMETHEUS_PORT: String(stack.ports.prometheus),
    BACKUP_HOST_DIR: stack.backupDir,
    CORS_ORIGINS: `https://localhost:${stack.ports.https}`,
    // The test's own requests must not be rate-limited (they all come from one address).
    RATE_LIMIT_LOGIN_MAX: '100',
    RATE_LIMIT_REGISTER_MAX: '100',
    // Cheap hashing: the test measures the stack, not bcrypt.
    BCRYPT_COST: '4',
  };
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** docker compose …, for the test's project; rejects on a non-zero exit unless `allowFail`. */
export function compose(
  args: string[],
  options: { input?: string; allowFail?: boolean } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['compose', '-p', PROJECT, ...args], {
      cwd: repoPath(),
      env: composeEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const result = { code: code ?? 1, stdout, stderr };
      if (code === 0 || options.allowFail) resolve(result);
      else
        reject(
          new Error(`docker compose ${args.join(' ')} exited ${code}:\n${stderr.slice(-4000)}`),
        );
    });
    // A command may exit without reading its input (EPIPE); its exit code is what counts.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** A Make target of the repository against the test's project (COMPOSE_PROJECT_NAME). */
export function make(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('make', ['--no-print-directory', ...args], {
      cwd: repoPath(),
      env: composeEnv(),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve({ code, stdout, stderr });
      else reject(new Error(`make ${args.join(' ')} exited ${code}:\n${stdout}${stderr}`));
    });
  });
}

export const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(0);

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => unknown;
}

/** A request to nginx on loopback, checking its certificate is the one it made for localhost. */
export function call(
  method: string,
  url: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Reply> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = send(
      {
        method,
        host: '127.0.0.1',
        port: target.port,
        path: target.pathname + target.search,
        headers: {
          host: `localhost:${target.port}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
        ...(secure ? { ca: stack.certificate, servername: 'localhost' } : {}),
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            json: () => JSON.parse(text) as unknown,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const api = (path: string) => `https://localhost:${stack.ports.https}${path}`;

export async function eventually<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  throw new Error(
    `timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}

export async function login(email: string, password: string): Promise<string> {
  const reply = await call('POST', api('/auth/login'), { body: { email, password } });
  expect(reply.status, reply.body).toBe(200);
  return (reply.json() as { token: string }).token;
}

export async function psql(service: string, database: string, sql: string): Promise<string> {
  const result = await compose([
    'exec',
    '-T',
    service,
    'psql',
    '-U',
    'postgres',
    '-d',
    database,
    '-Atq',
    '-c',
    sql,
  ]);
  return result.stdout.trim();
}

/** Row counts of every table of a database, as "table=count" lines. */
export async function rowCounts(service: string, database: string): Promise<string> {
  const tables = (
    await psql(
      service,
      database,
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    )
  )
    .split('\n')
    .filter(Boolean);
  const counts: string[] = [];
  for (const table of tables) {
    counts.push(
      `${table}=${await psql(service, database, `SELECT count(*) FROM public."${table}"`)}`,
    );
  }
  return counts.join('\n');
}

export const dumps = (database: string) =>
  readdirSync(stack.backupDir).filter((name) =>
    new RegExp(`^${database}_\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2}\\.sql\\.gz$`).test(name),
  );
