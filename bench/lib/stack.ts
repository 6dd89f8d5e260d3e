import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort } from '@cloud-backend/shared/dev';
import { benchDatabase, type BenchDatabase } from './postgres.js';
import { startService, type RunningService } from './service.js';
import { benchSigningKeys } from './signing-keys.js';
import { siblingDatabase, type SiblingDatabase } from './sibling-database.js';

export const ADMIN = { email: 'bench-admin@example.com', password: 'bench admin password' };
export const PASSWORD = 'benchmark password';

export interface Stack {
  auth: RunningService;
  user: RunningService;
  authDb: string;
  userDb: string;
  /** user-service's QR-token key seed (access tokens are signed by auth-service's key). */
  jwtSecret: string;
  /** JWKS_URL of every verifier: the set auth-service publishes. */
  jwksUrl: string;
  internalToken: string;
  /** Every process started here (the gateways too), by name, for memory readings. */
  processes: Map<string, RunningService>;
  /** A gateway in front of this stack's services; `env` adds to its environment. */
  startGateway(name: string, env?: Record<string, string>): Promise<RunningService>;
  /**
   * Another auth-service on the same database with its own BCRYPT_COST: a fast one registers
   * and logs in hundreds of accounts beforehand while the measured one keeps production's cost
   * (a login at a higher cost would rehash a cheaper hash). stop() it when done.
   */
  startAuth(name: string, bcryptCost: number): Promise<RunningService>;
  /** Another user-service replica on the same database, configured as the first. */
  startUser(name: string): Promise<RunningService>;
  /** Another service process on a new database of the same server, stopped with the stack. */
  startExtra(
    name: string,
    entry: string,
    env: Record<string, string>,
  ): Promise<{ service: RunningService; databaseUrl: string }>;
  stop(): Promise<void>;
}

/**
 * auth-service and user-service as their own processes on one PostgreSQL, configured as in
 * production (user-service reads auth's database for first-seen accounts), with an admin.
 */
export async function startStack(options: {
  bcryptCost: number;
  userEnv?: Record<string, string>;
}): Promise<Stack> {
  const authDb: BenchDatabase = await benchDatabase('bench_auth');
  const databases: SiblingDatabase[] = [await siblingDatabase(authDb.url, 'bench_user')];
  const userDb = databases[0]?.url ?? '';
  const jwtSecret = randomBytes(32).toString('hex');
  const internalToken = randomBytes(32).toString('hex');
  const processes = new Map<string, RunningService>();
  const nobody = `http://127.0.0.1:${String(await freePort())}`;
  const keys = await benchSigningKeys();
  // Known before auth-service starts, so that the verifiers can start beside it.
  const authPort = await freePort();
  const jwksUrl = keys.jwksUrl(`http://127.0.0.1:${String(authPort)}`);

  const start = async (name: string, entry: string, env: Record<string, string>, port?: number) => {
    const service = await startService(entry, port ?? (await freePort()), env);
    processes.set(name, service);
    return service;
  };
  const stop = async () => {
    await Promise.allSettled([...processes.values()].map((service) => service.stop()));
    await Promise.allSettled(databases.map((database) => database.drop()));
    await authDb.stop();
    await keys.remove();
  };
  const userEnv = {
    DATABASE_URL: userDb,
    AUTH_DATABASE_URL: authDb.url,
    JWT_SECRET: jwtSecret,
    JWKS_URL: jwksUrl,
    INTERNAL_API_TOKEN: internalToken,
    ...options.userEnv,
  };
  try {
    const [auth, user] = await Promise.all([
      start(
        'auth-service',
        'auth-service/src/server.ts',
        {
          DATABASE_URL: authDb.url,
          ...keys.authEnv,
          INTERNAL_API_TOKEN: internalToken,
          BCRYPT_COST: String(options.bcryptCost),
          ADMIN_EMAIL: ADMIN.email,
          ADMIN_PASSWORD: ADMIN.password,
        },
        authPort,
      ),
      start('user-service', 'user-service/src/server.ts', userEnv),
    ]);
    return {
      auth,
      user,
      authDb: authDb.url,
      userDb,
      jwtSecret,
      jwksUrl,
      internalToken,
      processes,
      startGateway: (name, env = {}) =>
        start(name, 'gateway/src/server.ts', {
          JWKS_URL: jwksUrl,
          INTERNAL_API_TOKEN: internalToken,
          AUTH_SERVICE_URL: auth.url,
          USER_SERVICE_URL: user.url,
          SOCIAL_LOG_SERVICE_URL: nobody,
          DASHBOARD_API_URL: nobody,
          // Every benchmark client is 127.0.0.1 (nginx forwards that address): a per-IP
          // limit would stop it at once. The limits are still counted, in memory or Redis.
          RATE_LIMIT_GLOBAL_MAX: '1000000000',
          RATE_LIMIT_LOGIN_MAX: '1000000000',
          RATE_LIMIT_REGISTER_MAX: '1000000000',
          ...env,
        }),
      startAuth: (name, bcryptCost) =>
        start(name, 'auth-service/src/server.ts', {
          DATABASE_URL: authDb.url,
          // The same key file: tokens of every auth-service verify with the one published set.
          ...keys.authEnv,
          INTERNAL_API_TOKEN: internalToken,
          BCRYPT_COST: String(bcryptCost),
        }),
      startUser: (name) => start(name, 'user-service/src/server.ts', userEnv),
      async startExtra(name, entry, env) {
        const database = await siblingDatabase(authDb.url, name.replace(/\W/g, '_'));
        databases.push(database);
        const service = await start(name, entry, {
          DATABASE_URL: database.url,
          JWT_SECRET: jwtSecret,
          JWKS_URL: jwksUrl,
          INTERNAL_API_TOKEN: internalToken,
          ...env,
        });
        return { service, databaseUrl: database.url };
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function post(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

/** An access token of a real session, from auth-service's POST /login. */
export async function login(authUrl: string, email: string, password: string): Promise<string> {
  const response = await post(`${authUrl}/login`, { email, password });
  if (response.status !== 200) throw new Error(`login ${email}: ${String(response.status)}`);
  return ((await response.json()) as { token: string }).token;
}

/**
 * `count` new accounts registered and logged in at `authUrl` (8 at a time), their access
 * tokens in order. Run it against an auth-service with a low BCRYPT_COST: it is set-up.
 */
export async function createAttendees(
  authUrl: string,
  prefix: string,
  count: number,
): Promise<string[]> {
  const tokens: string[] = new Array<string>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        const i = next++;
        const email = `${prefix}-${String(i)}@example.com`;
        const registered = await post(`${authUrl}/register`, {
          email,
          name: 'Bench',
          surname: `Attendee ${String(i)}`,
          password: PASSWORD,
        });
        if (registered.status !== 201) throw new Error(`register: ${String(registered.status)}`);
        tokens[i] = await login(authUrl, email, PASSWORD);
      }
    }),
  );
  return tokens;
}

/** A new QR event open now, created by the admin at `generateUrl` (…/qr/admin/generate). */
export async function createEvent(
  generateUrl: string,
  adminToken: string,
  name: string,
): Promise<{ eventId: string; body: string }> {
  const now = Date.now();
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(now);
  const created = await post(
    generateUrl,
    {
      event_name: name,
      date: today,
      starts_at: new Date(now - 3600_000).toISOString(),
      expires_at: new Date(now + 3600_000).toISOString(),
    },
    adminToken,
  );
  if (created.status !== 201) throw new Error(`generate: ${await created.text()}`);
  const { event_id: eventId, qr_content: content } = (await created.json()) as {
    event_id: string;
    qr_content: string;
  };
  return { eventId, body: JSON.stringify({ qr_content: JSON.parse(content) as unknown }) };
}

/** Rows of the event in user-service's attendance table, and how many repeat a user. */
export async function countAttendance(
  userDb: string,
  eventId: string,
): Promise<{ recorded: number; duplicates: number }> {
  const client = new pg.Client({ connectionString: userDb });
  await client.connect();
  try {
    const { rows } = await client.query<{ rows: number; users: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT user_id)::int AS users
         FROM attendance WHERE event_id = $1`,
      [eventId],
    );
    const recorded = rows[0]?.rows ?? 0;
    return { recorded, duplicates: recorded - (rows[0]?.users ?? 0) };
  } finally {
    await client.end();
  }
}
