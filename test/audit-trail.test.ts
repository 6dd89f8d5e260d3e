import { loadConfig, type ServiceApp } from '@cloud-backend/shared';
import { freePort } from '@cloud-backend/shared/dev';
import {
  createTestDatabase,
  migrateTestDatabase,
  signTestToken,
  TEST_JWT_SECRET,
  TEST_SIGNING_KEYS_FILE,
  testJwksUrl,
  type TestDatabase,
} from '@cloud-backend/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildAuth } from '../auth-service/src/app.js';
import { configSchema as authConfig } from '../auth-service/src/config.js';
import { buildApp as buildSocialLog } from '../social-log-service/src/app.js';
import { configSchema as socialLogConfig } from '../social-log-service/src/config.js';

// docs/compatibility.md#audit-trail: audit events leave auth-service through its outbox and reach
// the hash-chained trail in social-log-service; while social-log-service is down none is lost, and
// none is stored twice once it is back.
const TOKEN = 'audit-trail-test-token-0123456789abcdef0123';
const ADMIN = { authorization: `Bearer ${signTestToken({ user_id: 1, role: 'admin' })}` };

let authDb: TestDatabase;
let socialDb: TestDatabase;
let port: number;
let auth: ServiceApp;
let socialLog: ServiceApp | undefined;

async function startSocialLog(): Promise<void> {
  socialLog = await buildSocialLog(
    loadConfig(socialLogConfig, {
      NODE_ENV: 'test',
      JWT_SECRET: TEST_JWT_SECRET,
      JWKS_URL: testJwksUrl(),
      DATABASE_URL: socialDb.url,
      INTERNAL_API_TOKEN: TOKEN,
    }),
    { logger: false },
  );
  await socialLog.listen({ host: '127.0.0.1', port });
}

function running(): ServiceApp {
  if (!socialLog) throw new Error('social-log-service is not running');
  return socialLog;
}

async function outboxSize(): Promise<number> {
  const { rows } = await auth.db.query<{ count: string }>('SELECT count(*) FROM audit_outbox');
  return Number(rows[0]?.count);
}

async function authLogCount(): Promise<number> {
  const { rows } = await auth.db.query<{ count: string }>('SELECT count(*) FROM auth_logs');
  return Number(rows[0]?.count);
}

async function storedEvents(): Promise<{ event_id: string; action: string }[]> {
  const { rows } = await running().db.query<{ event_id: string; action: string }>(
    'SELECT event_id::text AS event_id, action FROM audit_events ORDER BY id',
  );
  return rows;
}

async function authAction(
  method: 'POST' | 'PUT' | 'DELETE',
  url: string,
  body?: object,
  token?: string,
) {
  return auth.inject({
    method,
    url,
    ...(body ? { payload: body } : {}),
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
  });
}

beforeAll(async () => {
  [authDb, socialDb] = await Promise.all([
    createTestDatabase('trail_auth'),
    createTestDatabase('trail_social'),
  ]);
  await Promise.all([
    migrateTestDatabase(authDb.url, new URL('../auth-service/migrations/', import.meta.url)),
    migrateTestDatabase(
      socialDb.url,
      new URL('../social-log-service/migrations/', import.meta.url),
    ),
  ]);
  port = await freePort();
  await startSocialLog();
  auth = await buildAuth(
    loadConfig(authConfig, {
      NODE_ENV: 'test',
      JWT_SECRET: TEST_JWT_SECRET,
      JWT_SIGNING_KEYS_FILE: TEST_SIGNING_KEYS_FILE,
      DATABASE_URL: authDb.url,
      BCRYPT_COST: '4',
      INTERNAL_API_TOKEN: TOKEN,
      SOCIAL_LOG_SERVICE_URL: `http://127.0.0.1:${String(port)}`,
    }),
    { logger: false },
  );
  await auth.ready(); // starts the outbox worker
});

afterAll(async () => {
  await auth.close();
  await socialLog?.close();
  await Promise.all([authDb.drop(), socialDb.drop()]);
});

describe('the audit trail, end to end', () => {
  it('delivers every event once, across an outage of social-log-service', async () => {
    const user = {
      email: 'trail@example.com',
      name: 'T',
      surname: 'R',
      password: 'trail password 1',
    };
    expect((await authAction('POST', '/register', user)).statusCode).toBe(201);
    const login = await authAction('POST', '/login', {
      email: user.email,
      password: user.password,
    });
    expect(login.statusCode).toBe(200);
    await expect.poll(outboxSize, { timeout: 10_000 }).toBe(0);
    expect(await storedEvents()).toHaveLength(2);

    // social-log-service goes away; the changes go on and their events wait in the outbox.
    await running().close();
    const token = login.json<{ token: string }>().token;
    await authAction('POST', '/login', { email: user.email, password: 'wrong password' });
    await authAction('POST', '/login', { email: 'nobody@example.com', password: 'x' });
    await authAction(
      'PUT',
      '/me/password',
      { current_password: user.password, new_password: 'trail password 2' },
      token,
    );
    await authAction('POST', '/logout', undefined, token);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const waiting = await outboxSize();
    expect(waiting).toBe(4);
    const { rows } = await auth.db.query<{ attempts: number }>('SELECT attempts FROM audit_outbox');
    expect(rows.every((row) => row.attempts >= 1)).toBe(true);

    // Back on the same address: everything arrives, once.
    await startSocialLog();
    await expect.poll(outboxSize, { timeout: 30_000, interval: 250 }).toBe(0);
    const stored = await storedEvents();
    expect(stored).toHaveLength(await authLogCount());
    expect(new Set(stored.map((e) => e.event_id)).size).toBe(stored.length);
    expect(stored.map((e) => e.action)).toEqual([
      'user.registered',
      'user.login_succeeded',
      'user.login_failed',
      'user.login_failed',
      'user.password_changed',
      'user.logged_out',
    ]);

    const verify = await running().inject({
      method: 'GET',
      url: '/api/social/audit/verify',
      headers: ADMIN,
    });
    expect(verify.json()).toMatchObject({ intact: true, checked: 6, first_broken_id: null });
  }, 60_000);
});
