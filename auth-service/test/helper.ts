import { loadConfig } from '@cloud-backend/shared';
import {
  TEST_JWT_SECRET,
  TEST_SIGNING_KEYS_FILE,
  onTestDatabase,
} from '@cloud-backend/shared/testing';
import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { ensureAdmin } from '../src/domain/admin-bootstrap.js';

export const MIGRATIONS = new URL('../migrations/', import.meta.url);
export const INTERNAL_TOKEN = 'internal-test-token-0123456789abcdef0123';

/**
 * The auth-service app on a fresh, migrated database of its own, dropped when the app closes.
 * bcrypt runs at cost 4 unless a test asks otherwise: the cost is not what these tests test.
 * Most tests sign in from one address (inject()'s 127.0.0.1), so the per-address limit on
 * wrong passwords is raised out of their way; brute-force.test.ts tests it.
 */
export function build(env: Record<string, string> = {}) {
  return onTestDatabase('auth_service', (url) => buildOn(url, env), MIGRATIONS);
}

/**
 * The same app on a database that exists (another app's, for other settings on the same data);
 * closing it leaves the database.
 */
export function buildOn(databaseUrl: string, env: Record<string, string> = {}) {
  return buildApp(
    loadConfig(configSchema, {
      NODE_ENV: 'test',
      JWT_SECRET: TEST_JWT_SECRET,
      JWT_SIGNING_KEYS_FILE: TEST_SIGNING_KEYS_FILE,
      DATABASE_URL: databaseUrl,
      BCRYPT_COST: '4',
      INTERNAL_API_TOKEN: INTERNAL_TOKEN,
      ADDRESS_FAILURE_LIMIT: '1000',
      ...env,
    }),
    { logger: false },
  );
}

export type App = Awaited<ReturnType<typeof build>>;

export interface TestUser {
  email: string;
  username?: string;
  name: string;
  surname: string;
  password: string;
}

let counter = 0;

/** A distinct, valid registration body. */
export function newUser(overrides: Partial<TestUser> = {}): TestUser {
  counter += 1;
  const n = `${String(process.pid)}${String(counter)}`;
  return {
    email: `user${n}@example.com`,
    name: 'Mario',
    surname: 'Rossi',
    password: 'correct horse battery',
    ...overrides,
  };
}

export async function register(app: App, user: TestUser = newUser()) {
  const response = await app.inject({ method: 'POST', url: '/register', payload: user });
  if (response.statusCode !== 201) throw new Error(`register failed: ${response.body}`);
  return response.json<{ user: { id: number; username: string } }>().user;
}

export interface Session {
  token: string;
  refresh_token: string;
  user: { id: number; role: string; email: string; username: string };
}

export async function login(app: App, identifier: string, password: string, ip = '127.0.0.1') {
  return app.inject({
    method: 'POST',
    url: '/login',
    payload: { email: identifier, password },
    remoteAddress: ip,
  });
}

/** Registers a user and logs in: the user's session. */
export async function signedIn(app: App, user: TestUser = newUser()): Promise<Session> {
  await register(app, user);
  const response = await login(app, user.email, user.password);
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
  return response.json<Session>();
}

/** An admin account (created as create-admin would) and its session. */
export async function signedInAdmin(app: App): Promise<Session> {
  const admin = newUser({ name: 'Admin', surname: 'User' });
  const { pool, hasher } = app.accounts;
  await ensureAdmin(pool, hasher, admin, { onlyIfNoAdmin: false, passwordMinLength: 8 });
  const response = await login(app, admin.email, admin.password);
  if (response.statusCode !== 200) throw new Error(`admin login failed: ${response.body}`);
  return response.json<Session>();
}

export function bearer(session: Session | string) {
  return { authorization: `Bearer ${typeof session === 'string' ? session : session.token}` };
}
