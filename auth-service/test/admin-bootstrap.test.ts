import { freePort } from '@cloud-backend/shared/dev';
import {
  createTestDatabase,
  spawnTypeScript,
  TEST_JWT_SECRET,
  ownSigningKeysFile,
  waitForHttp,
  type TestDatabase,
} from '@cloud-backend/shared/testing';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAdmin } from '../src/domain/admin-bootstrap.js';
import { build, newUser, register, type App } from './helper.js';

const AUTH_DIR = fileURLToPath(new URL('..', import.meta.url));

describe('ensureAdmin', () => {
  let app: App;
  beforeAll(async () => {
    app = await build();
  });
  afterAll(() => app.close());

  it('creates the first admin, then does nothing at start-up once an admin exists', async () => {
    const { pool, hasher } = app.accounts;
    const settings = { onlyIfNoAdmin: true, passwordMinLength: 8 };
    const { email, password } = newUser();
    const first = { email, password };
    expect(await ensureAdmin(pool, hasher, first, settings)).toBe('created');
    expect(await ensureAdmin(pool, hasher, newUser(), settings)).toBe('skipped');
    const { rows } = await app.db.query<{ role: string; name: string }>(
      'SELECT role, name FROM users WHERE email = $1',
      [first.email],
    );
    expect(rows).toEqual([{ role: 'admin', name: 'Admin' }]);
  });

  it('promotes an existing account without touching its password', async () => {
    const { pool, hasher } = app.accounts;
    const user = newUser();
    await register(app, user);
    const outcome = await ensureAdmin(
      pool,
      hasher,
      { email: user.email.toUpperCase(), password: 'a different password' },
      { onlyIfNoAdmin: false, passwordMinLength: 8 },
    );
    expect(outcome).toBe('promoted');
    const login = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: user.email, password: user.password },
    });
    expect(login.json<{ user: { role: string } }>().user.role).toBe('admin');
  });

  it('refuses an invalid email or a short password', async () => {
    const { pool, hasher } = app.accounts;
    const settings = { onlyIfNoAdmin: false, passwordMinLength: 8 };
    await expect(
      ensureAdmin(pool, hasher, { email: 'nope', password: 'long enough' }, settings),
    ).rejects.toThrow(/not a valid address/);
    await expect(
      ensureAdmin(pool, hasher, { email: 'a@b.io', password: 'short' }, settings),
    ).rejects.toThrow(/almeno 8/);
  });
});

describe('as processes', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('auth_bootstrap');
  });
  afterAll(() => db.drop());

  it('the service creates ADMIN_EMAIL at start-up, and that admin can log in', async () => {
    const port = await freePort();
    const service = spawnTypeScript(
      'src/server.ts',
      {
        NODE_ENV: 'production',
        LOG_FORMAT: 'json',
        PORT: String(port),
        DATABASE_URL: db.url,
        JWT_SECRET: TEST_JWT_SECRET,
        // In production the tests' published key is refused: a key of this run.
        JWT_SIGNING_KEYS_FILE: ownSigningKeysFile(),
        BCRYPT_COST: '4',
        ADMIN_EMAIL: 'root@example.com',
        ADMIN_PASSWORD: 'first admin password',
      },
      { cwd: AUTH_DIR },
    );
    try {
      await waitForHttp(`http://127.0.0.1:${String(port)}/health/ready`, 30_000);
      const response = await fetch(`http://127.0.0.1:${String(port)}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'root@example.com', password: 'first admin password' }),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { user: { role: string } }).user.role).toBe('admin');
      expect(service.output()).not.toContain('first admin password');
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  }, 60_000);

  it('npm run create-admin creates an admin from a terminal', async () => {
    const createAdmin = async (args: string[]) => {
      const run = spawnTypeScript(
        'src/create-admin.ts',
        {
          DATABASE_URL: db.url,
          BCRYPT_COST: '4',
          ADMIN_EMAIL: undefined,
          JWT_SECRET: undefined,
          ADMIN_PASSWORD: 'second admin password',
        },
        { cwd: AUTH_DIR, args },
      );
      return { code: await run.exited, output: run.output() };
    };
    const created = await createAdmin(['--email', 'ops@example.com', '--name', 'Ops']);
    expect(created.code).toBe(0);
    expect(created.output).toContain('create-admin: ops@example.com: created the admin account');
    const again = await createAdmin(['--email', 'ops@example.com']);
    expect(again.code).toBe(0);
    expect(again.output).toContain('already an admin');
    const bad = await createAdmin(['--email', 'not-an-email']);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('not a valid address');
  }, 60_000);
});
