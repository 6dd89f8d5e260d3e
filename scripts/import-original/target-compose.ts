/**
 * COMPOSE=1: the compose stack's three PostgreSQL servers (auth-db, user-db, social-log-db),
 * which publish no port. They are reached through a tunnel: each connection the import opens
 * on a loopback port is carried by `docker compose exec -T pg-backup node -e …` (the backup
 * container is on the stack's network and has Node), so the import speaks to them with the
 * same client code as to make dev's server. Names, roles and the superuser password come from
 * `docker compose config`, the stack's own resolved settings.
 *
 * The application services are stopped just before the swap and started again after it.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { ImportError } from './errors.js';
import { log } from './log.js';
import { REPO_ROOT, type OriginalDatabase } from './names.js';
import { withDatabase, type Target, type TargetDatabase } from './target.js';

const SERVER_OF: Record<OriginalDatabase, string> = {
  auth_logs_db: 'auth-db',
  users_db: 'user-db',
  social_logs_db: 'social-log-db',
};

// In the order they are stopped (the gateway first, so clients get its clear 502s rather than
// half-working answers); started again in reverse.
const APP_SERVICES = [
  'gateway',
  'dashboard-api',
  'auth-service',
  'user-service',
  'social-log-service',
];

const TUNNEL_SERVICE = 'pg-backup';

// Run inside pg-backup: copies stdin to a TCP connection to the database server and back.
const BRIDGE = `const s=require('net').connect(5432,process.argv[1]);process.stdin.pipe(s);s.pipe(process.stdout);s.on('error',e=>{process.stderr.write(e.message+'\\n');process.exit(1)});s.on('close',()=>process.exit(0));process.stdin.on('end',()=>s.end())`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function composeArgs(env: NodeJS.ProcessEnv): string[] {
  const files = ['-f', 'docker-compose.yml'];
  if (env.PROD === '1') files.push('-f', 'docker-compose.prod.yml');
  return env.COMPOSE_FILE ? [] : files;
}

function compose(env: NodeJS.ProcessEnv, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('docker', ['compose', ...composeArgs(env), ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: err.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function composeOrFail(env: NodeJS.ProcessEnv, args: string[], what: string): Promise<Run> {
  const result = await compose(env, args);
  if (result.code !== 0) {
    const reason = result.stderr.trim().split('\n').pop() ?? `exit code ${result.code}`;
    throw new ImportError(`${what}: docker compose ${args[0] ?? ''} failed: ${reason}`);
  }
  return result;
}

interface ComposeService {
  environment?: Record<string, string | null>;
}

function setting(service: ComposeService | undefined, name: string): string | undefined {
  const value = service?.environment?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A loopback port whose connections are carried to `host`:5432 inside the stack. */
function openTunnel(
  env: NodeJS.ProcessEnv,
  host: string,
): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const child = spawn(
      'docker',
      ['compose', ...composeArgs(env), 'exec', '-T', TUNNEL_SERVICE, 'node', '-e', BRIDGE, host],
      { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'ignore'] },
    );
    socket.pipe(child.stdin);
    child.stdout.pipe(socket);
    socket.on('error', () => child.kill());
    socket.on('close', () => {
      sockets.delete(socket);
      child.stdin.end();
    });
    child.on('close', () => socket.destroy());
    child.on('error', () => socket.destroy());
  });
  server.on('close', () => {
    for (const socket of sockets) socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

export async function openComposeTarget(env: NodeJS.ProcessEnv): Promise<Target> {
  const config = await composeOrFail(env, ['config', '--format', 'json'], 'reading the stack');
  const services =
    (JSON.parse(config.stdout) as { services?: Record<string, ComposeService> }).services ?? {};
  const running = (
    await composeOrFail(env, ['ps', '--status', 'running', '--services'], 'the stack')
  ).stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  for (const needed of [...Object.values(SERVER_OF), TUNNEL_SERVICE]) {
    if (!running.includes(needed)) {
      throw new ImportError(
        `the stack's ${needed} is not running: start the stack first (make up); the import reaches the databases through ${TUNNEL_SERVICE}`,
      );
    }
  }

  const databases = {} as Record<OriginalDatabase, TargetDatabase>;
  const passwords = {} as Record<OriginalDatabase, string>;
  for (const original of Object.keys(SERVER_OF) as OriginalDatabase[]) {
    const service = services[SERVER_OF[original]];
    const name = setting(service, 'DB_NAME');
    const owner = setting(service, 'DB_OWNER');
    const password = setting(service, 'POSTGRES_PASSWORD');
    if (!name || !owner || !password) {
      throw new ImportError(
        `${SERVER_OF[original]} in docker-compose.yml lacks DB_NAME, DB_OWNER or POSTGRES_PASSWORD`,
      );
    }
    const readonly = setting(service, 'DB_READONLY_USER');
    const append = setting(service, 'DB_APPEND_USER');
    databases[original] = {
      original,
      name,
      owner,
      ...(readonly ? { readonly } : {}),
      ...(append ? { append } : {}),
    };
    passwords[original] = password;
  }

  const tunnels = {} as Record<OriginalDatabase, { server: Server; port: number }>;
  for (const original of Object.keys(SERVER_OF) as OriginalDatabase[]) {
    tunnels[original] = await openTunnel(env, SERVER_OF[original]);
  }
  const stopped: string[] = [];

  return {
    description: 'the compose stack (auth-db, user-db, social-log-db)',
    databases,
    adminUrl: (original, database) =>
      withDatabase(
        `postgres://postgres:${encodeURIComponent(passwords[original])}@127.0.0.1:${tunnels[original].port}/postgres`,
        database,
      ),
    // Beside the stack's own backups (git-ignored).
    reportDir: env.REPORT_DIR ?? join(REPO_ROOT, 'backups'),
    stopHint: 'stop whatever else is connected to it (docker compose ps)',
    async stopServices() {
      const up = (await compose(env, ['ps', '--status', 'running', '--services'])).stdout
        .split('\n')
        .map((line) => line.trim());
      const toStop = APP_SERVICES.filter((s) => up.includes(s));
      if (toStop.length === 0) return;
      log(`stopping ${toStop.join(', ')} for the swap`);
      await composeOrFail(env, ['stop', ...toStop], 'stopping the services');
      stopped.push(...toStop);
    },
    async startServices() {
      if (stopped.length === 0) return;
      const toStart = [...stopped].reverse();
      stopped.length = 0;
      log(`starting ${toStart.join(', ')} again, waiting until they are healthy`);
      await composeOrFail(
        env,
        ['up', '-d', '--no-build', '--no-recreate', '--wait', ...toStart],
        'starting the services',
      );
    },
    async close() {
      await Promise.all(
        Object.values(tunnels).map(
          (t) => new Promise<void>((resolve) => t.server.close(() => resolve())),
        ),
      );
    },
  };
}
