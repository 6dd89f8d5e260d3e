import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '@cloud-backend/shared/dev';
import {
  ownSigningKeysFile,
  spawnTypeScript,
  waitForHttp,
  type SpawnedProcess,
} from '@cloud-backend/shared/testing';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type ServiceName = 'auth-service' | 'user-service' | 'social-log-service' | 'gateway';

const ENTRY: Record<ServiceName, string> = {
  'auth-service': 'auth-service/src/server.ts',
  'user-service': 'user-service/src/server.ts',
  'social-log-service': 'social-log-service/src/server.ts',
  gateway: 'gateway/src/server.ts',
};

export const ADMIN = { email: 'faults-admin@example.com', password: 'faults admin password' };

/**
 * One service as a real process on a fixed port, so that it can be killed and started again
 * where its clients (the gateway's pool, the outbox workers) expect it.
 */
export class ServiceProcess {
  readonly url: string;
  private current: SpawnedProcess | undefined;
  /** Output of every run so far, for failure messages. */
  private previousOutput = '';

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${String(port)}`;
  }

  get running(): SpawnedProcess {
    if (!this.current) throw new Error(`${this.name} is not running`);
    return this.current;
  }

  output(): string {
    return this.previousOutput + (this.current?.output() ?? '');
  }

  /** `timeoutMs`: longer where many processes start at once on a busy machine. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.current) this.previousOutput += this.current.output();
    this.current = spawnTypeScript(
      ENTRY[this.name],
      {
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        ...this.env,
      },
      { cwd: ROOT },
    );
    // The gateway's readiness depends on its upstreams; its liveness is what says it started.
    const probe = this.name === 'gateway' ? '/health' : '/health/ready';
    const exited = this.current.exited.then((code) => {
      throw new Error(`${this.name} exited (${String(code)}) while starting:\n${this.output()}`);
    });
    exited.catch(() => undefined);
    try {
      await Promise.race([waitForHttp(`${this.url}${probe}`, timeoutMs), exited]);
    } catch (err) {
      this.current.child.kill('SIGKILL');
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`${this.name} did not start: ${reason}\n${this.output()}`);
    }
  }

  /** Sends a signal and resolves with the exit code (null when the signal killed it). */
  async signal(signal: NodeJS.Signals): Promise<number | null> {
    const running = this.running;
    running.child.kill(signal);
    return running.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited after 15 s. */
  async stop(): Promise<void> {
    const running = this.current;
    if (!running || running.child.exitCode !== null || running.child.signalCode !== null) return;
    const timer = setTimeout(() => running.child.kill('SIGKILL'), 15_000);
    running.child.kill('SIGTERM');
    await running.exited;
    clearTimeout(timer);
  }
}

export interface Databases {
  auth: string;
  user: string;
  socialLog: string;
  names: string[];
  drop(): Promise<void>;
}

/** Three new databases on a server, as the superuser: the services migrate them themselves. */
export async function createDatabases(adminUrl: string, prefix: string): Promise<Databases> {
  const suffix = randomBytes(4).toString('hex');
  const names = ['auth', 'user', 'social'].map((part) => `${prefix}_${part}_${suffix}`);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const name of names) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const urlOf = (name: string) => {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const [auth = '', user = '', socialLog = ''] = names.map(urlOf);
  return {
    auth,
    user,
    socialLog,
    names,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        for (const name of names) {
          await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
        }
      } finally {
        await client.end();
      }
    },
  };
}

export interface Stack {
  databases: Databases;
  auth: ServiceProcess;
  user: ServiceProcess;
  socialLog: ServiceProcess;
  gateway: ServiceProcess;
  /** The gateway's environment, for more gateways on the same services. */
  gatewayEnv: Record<string, string>;
  close(): Promise<void>;
}

export interface StackOptions {
  adminUrl: string;
  prefix: string;
  /** Extra environment of the services (not the gateway). */
  serviceEnv?: Record<string, string>;
  /** Extra environment of one service, applied last. */
  authEnv?: Record<string, string>;
  userEnv?: Record<string, string>;
  /** Databases to run on instead of three new ones; the caller drops them. */
  databases?: Databases;
}

/**
 * auth-service, user-service, social-log-service and the gateway, wired as `make dev` wires
 * them (audit outboxes delivering to social-log-service), with the limits that would stop one
 * test client lifted: the per-IP rate limits, and the event-loop-delay shedding, whose 503s on a
 * busy CI machine would be indistinguishable from the faults under test.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const databases = options.databases ?? (await createDatabases(options.adminUrl, options.prefix));
  const jwtSecret = randomBytes(32).toString('hex');
  const internalToken = randomBytes(32).toString('hex');
  const [authPort = 0, userPort = 0, socialPort = 0, gatewayPort = 0, nobodyPort = 0] =
    await Promise.all(Array.from({ length: 5 }, () => freePort()));
  const socialUrl = `http://127.0.0.1:${String(socialPort)}`;
  const common = {
    JWT_SECRET: jwtSecret,
    INTERNAL_API_TOKEN: internalToken,
    // auth-service signs with a key of this run (a production process refuses the tests'
    // published one); the others verify with its published keys.
    JWT_SIGNING_KEYS_FILE: ownSigningKeysFile(),
    JWKS_URL: `http://127.0.0.1:${String(authPort)}/.well-known/jwks.json`,
    ...options.serviceEnv,
  };
  const auth = new ServiceProcess('auth-service', authPort, {
    ...common,
    DATABASE_URL: databases.auth,
    BCRYPT_COST: '4',
    SOCIAL_LOG_SERVICE_URL: socialUrl,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    ...options.authEnv,
  });
  const user = new ServiceProcess('user-service', userPort, {
    ...common,
    DATABASE_URL: databases.user,
    SOCIAL_LOG_SERVICE_URL: socialUrl,
    ...options.userEnv,
  });
  const socialLog = new ServiceProcess('social-log-service', socialPort, {
    ...common,
    DATABASE_URL: databases.socialLog,
  });
  const gatewayEnv = {
    JWT_SECRET: jwtSecret,
    JWKS_URL: common.JWKS_URL,
    INTERNAL_API_TOKEN: internalToken,
    AUTH_SERVICE_URL: auth.url,
    USER_SERVICE_URL: user.url,
    SOCIAL_LOG_SERVICE_URL: socialUrl,
    DASHBOARD_API_URL: `http://127.0.0.1:${String(nobodyPort)}`,
    RATE_LIMIT_GLOBAL_MAX: '1000000000',
    RATE_LIMIT_LOGIN_MAX: '1000000000',
    RATE_LIMIT_REGISTER_MAX: '1000000000',
    MAX_EVENT_LOOP_DELAY_MS: '0',
  };
  const gateway = new ServiceProcess('gateway', gatewayPort, gatewayEnv);
  const all = [gateway, auth, user, socialLog];
  const close = async () => {
    await Promise.allSettled(all.map((service) => service.stop()));
    if (!options.databases) await databases.drop();
  };
  try {
    await Promise.all([auth.start(), user.start(), socialLog.start()]);
    await gateway.start();
  } catch (err) {
    await close();
    throw err;
  }
  return { databases, auth, user, socialLog, gateway, gatewayEnv, close };
}

/** Runs `use` with a client of `url`, closed afterwards. */
export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
