import bcrypt from 'bcrypt';
import pg from 'pg';
import { loadConfig } from '@cloud-backend/shared';
import {
  createTestDatabase,
  migrateTestDatabase,
  TEST_JWT_SECRET,
} from '@cloud-backend/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { login, MIGRATIONS } from './helper.js';

// The schema the original's migrations 0001–0006 leave (AUTH §8.5), written from that
// description, with rows as the original wrote them.
const ORIGINAL_SCHEMA = `
  CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    email VARCHAR(255) UNIQUE NOT NULL,
    username VARCHAR(100) UNIQUE,
    password VARCHAR(255) NOT NULL,
    role VARCHAR(50) NOT NULL DEFAULT 'user',
    name VARCHAR(100),
    surname VARCHAR(100),
    last_login TIMESTAMP,
    created_at TIMESTAMP DEFAULT now()
  );
  CREATE INDEX idx_users_role ON users(role);
  CREATE INDEX idx_users_last_login ON users(last_login);
  CREATE TABLE auth_log (id SERIAL PRIMARY KEY, user_email VARCHAR(255), action VARCHAR(50));
  CREATE TABLE auth_logs (
    id SERIAL PRIMARY KEY,
    user_email VARCHAR(255) NOT NULL,
    username VARCHAR(255),
    action VARCHAR(64) NOT NULL,
    ip_address VARCHAR(64),
    user_agent TEXT,
    success BOOLEAN NOT NULL,
    timestamp TIMESTAMPTZ DEFAULT now()
  );
`;

let url: string;
let drop: () => Promise<void>;
let hash: string;

beforeAll(async () => {
  const db = await createTestDatabase('auth_upgrade');
  url = db.url;
  drop = () => db.drop();
  hash = (await bcrypt.hash('legacy password', 10)).replace(/^\$2b\$/, '$2a$');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(ORIGINAL_SCHEMA);
  await client.query(
    `INSERT INTO users (email, username, password, role, name, surname, created_at) VALUES
       ('admin@example.com', 'admin', $1, 'admin', 'Admin', 'User', '2025-06-07 19:34:40.322174'),
       ('', 'onlyname', $1, 'user', 'Solo', NULL, '2025-06-08 08:00:00'),
       ('Mixed@Example.com', NULL, $1, 'user', NULL, NULL, NULL)`,
    [hash],
  );
  await client.query(
    `INSERT INTO auth_logs (user_email, action, ip_address, user_agent, success, timestamp) VALUES
       ('admin@example.com', 'login_success', '172.18.0.6', 'curl/7.81.0', true, '2025-06-07T19:35:00Z'),
       ('admin@example.com', 'login_failed_wrong_password', NULL, NULL, false, '2025-06-07T19:34:00Z')`,
  );
  await client.end();
  await migrateTestDatabase(url, MIGRATIONS);
});
afterAll(() => drop());

describe('migrating a database the original left behind', () => {
  it('keeps every account, fixing what the original stored badly', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<Record<string, unknown>>(
      'SELECT id, email, username, name, surname, role, created_at FROM users ORDER BY id',
    );
    await client.end();
    expect(rows).toEqual([
      expect.objectContaining({
        id: 1,
        email: 'admin@example.com',
        username: 'admin',
        role: 'admin',
      }),
      expect.objectContaining({ id: 2, email: null, username: 'onlyname', surname: '' }),
      expect.objectContaining({ id: 3, email: 'mixed@example.com', username: 'user3', name: '' }),
    ]);
    // TIMESTAMP values were UTC wall-clock time; they now carry their zone.
    expect((rows[0]?.created_at as Date).toISOString()).toBe('2025-06-07T19:34:40.322Z');
  });

  it('serves the old accounts and logs: $2a$ cost-10 logins work, old logs are listed', async () => {
    const app = await buildApp(
      loadConfig(configSchema, {
        NODE_ENV: 'test',
        JWT_SECRET: TEST_JWT_SECRET,
        DATABASE_URL: url,
        BCRYPT_COST: '4',
      }),
      { logger: false },
    );
    try {
      const admin = await login(app, 'admin@example.com', 'legacy password');
      expect(admin.statusCode).toBe(200);
      expect((await login(app, 'onlyname', 'legacy password')).statusCode).toBe(200);
      expect((await login(app, 'MIXED@example.com', 'legacy password')).statusCode).toBe(200);
      const logs = await app.inject({
        method: 'GET',
        url: '/admin/auth-logs?action=login_success&to=2025-12-31T00:00:00Z',
        headers: { authorization: `Bearer ${admin.json<{ token: string }>().token}` },
      });
      expect(logs.json<{ logs: unknown[] }>().logs).toEqual([
        expect.objectContaining({
          user_email: 'admin@example.com',
          username: 'admin',
          ip_address: '172.18.0.6',
        }),
      ]);
    } finally {
      await app.close();
    }
  });
});
