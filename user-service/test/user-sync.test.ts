import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { ServiceApp } from '@cloud-backend/shared';
import {
  createTestDatabase,
  postgresAdminUrl,
  type TestDatabase,
} from '@cloud-backend/shared/testing';
import { adminToken, bearer, build, createEvent, scan, userToken } from './helper.js';

// auth-service's users table as user-service reads it (docs/compatibility.md#user-sync), standing
// for its database.
const AUTH_USERS = `
  CREATE TABLE users (
    id serial PRIMARY KEY, email varchar(255) NULL, username varchar(100) NOT NULL,
    password varchar(255) NOT NULL, role varchar(50) NOT NULL DEFAULT 'user',
    name varchar(100) NOT NULL, surname varchar(100) NOT NULL, last_login timestamptz NULL,
    created_at timestamptz NOT NULL DEFAULT now())`;

describe('user sync with the auth database', () => {
  let authDb: TestDatabase;
  let auth: pg.Client;
  let app: ServiceApp;

  async function addAuthUser(id: number, fields: Record<string, string | null> = {}) {
    await auth.query(
      `INSERT INTO users (id, email, username, password, role, name, surname, created_at)
       VALUES ($1, $2, $3, 'x', $4, $5, $6, '2024-01-02T03:04:05Z')`,
      [
        id,
        fields.email === undefined ? `u${id}@example.com` : fields.email,
        fields.username ?? `user${id}`,
        fields.role ?? 'user',
        fields.name ?? `Name${id}`,
        fields.surname ?? `Surname${id}`,
      ],
    );
  }

  const localUser = async (id: number) =>
    (
      await app.db.query(
        `SELECT id, email, username, role, name, last_name, created_at, deleted_at IS NOT NULL AS deleted
           FROM users WHERE id = $1`,
        [id],
      )
    ).rows[0] as Record<string, unknown> | undefined;

  beforeAll(async () => {
    authDb = await createTestDatabase('auth_fixture');
    auth = new pg.Client({ connectionString: authDb.url });
    await auth.connect();
    await auth.query(AUTH_USERS);
    // The service's role there can only read.
    await auth.query(`CREATE ROLE user_sync_reader_${authDb.name} LOGIN PASSWORD 'reader'`);
    await auth.query(`GRANT SELECT ON users TO user_sync_reader_${authDb.name}`);
    const readOnly = new URL(authDb.url);
    readOnly.username = `user_sync_reader_${authDb.name}`;
    readOnly.password = 'reader';
    app = await build({ AUTH_DATABASE_URL: readOnly.toString() });
    await addAuthUser(1, { role: 'admin', name: 'Ada', surname: 'Admin' });
  });
  afterAll(async () => {
    await app.close();
    await auth.end();
    await authDb.drop();
    const admin = new pg.Client({ connectionString: postgresAdminUrl() });
    await admin.connect();
    try {
      await admin.query(`DROP ROLE IF EXISTS user_sync_reader_${authDb.name}`);
    } finally {
      await admin.end();
    }
  });

  it("fills in what the token lacks from auth's database on first sight", async () => {
    await addAuthUser(20, { email: null, username: 'solo' });
    const response = await app.inject({
      url: '/profile',
      headers: bearer(userToken(20, { email: '' })),
    });
    expect(response.statusCode).toBe(200);
    expect(await localUser(20)).toEqual({
      id: 20,
      email: null,
      username: 'solo',
      role: 'user',
      name: 'Name20',
      last_name: 'Surname20',
      created_at: new Date('2024-01-02T03:04:05Z'),
      deleted: false,
    });
  });

  it('refuses a token of an account auth does not have, and records nothing', async () => {
    const response = await app.inject({
      url: '/qr/attendance/today',
      headers: bearer(userToken(21)),
    });
    expect(response.statusCode).toBe(401);
    expect(await localUser(21)).toBeUndefined();
  });

  it('marks users deleted in auth as deleted locally, keeping their check-ins', async () => {
    await addAuthUser(22);
    const event = await createEvent(app);
    expect((await scan(app, userToken(22), event.qr_content)).statusCode).toBe(201);
    await auth.query('DELETE FROM users WHERE id = 22');
    expect(await app.userSync.reconcile()).toMatchObject({ deleted: 1 });
    expect(await localUser(22)).toMatchObject({ deleted: true });

    const list = await app.inject({ url: '/users', headers: bearer(adminToken(1)) });
    expect(list.json<{ users: { id: number }[] }>().users.map((u) => u.id)).not.toContain(22);
    const report = await app.inject({
      url: `/qr/admin/events/${event.event_id}/users`,
      headers: bearer(adminToken(1)),
    });
    expect(report.json<{ users: { user_id: number }[] }>().users.map((u) => u.user_id)).toEqual([
      22,
    ]);
  });

  it("refuses a deleted user's still-unexpired token", async () => {
    await addAuthUser(23);
    expect((await app.inject({ url: '/profile', headers: bearer(userToken(23)) })).statusCode).toBe(
      200,
    );
    await auth.query('DELETE FROM users WHERE id = 23');
    await app.userSync.reconcile();
    // A changed claim skips the sync's short cache, as any request would after 30 s.
    const token = userToken(23, { name: 'Changed' });
    expect((await app.inject({ url: '/profile', headers: bearer(token) })).statusCode).toBe(401);
  });

  // docs/compatibility.md#user-sync
  it('propagates renames, role changes and new emails from auth', async () => {
    await addAuthUser(24);
    await app.inject({ url: '/profile', headers: bearer(userToken(24)) });
    await auth.query(
      `UPDATE users SET name = 'Nuovo', surname = 'Nome', role = 'admin', email = 'new@example.com'
        WHERE id = 24`,
    );
    expect(await app.userSync.reconcile()).toMatchObject({ refreshed: 1 });
    expect(await localUser(24)).toMatchObject({
      name: 'Nuovo',
      last_name: 'Nome',
      role: 'admin',
      email: 'new@example.com',
    });
  });

  it('lets an email move from a deleted account to a new one', async () => {
    await addAuthUser(25, { email: 'shared@example.com' });
    await app.inject({
      url: '/profile',
      headers: bearer(userToken(25, { email: 'shared@example.com' })),
    });
    await auth.query('DELETE FROM users WHERE id = 25');
    await addAuthUser(26, { email: 'shared@example.com' });
    const response = await app.inject({
      url: '/profile',
      headers: bearer(userToken(26, { email: 'shared@example.com' })),
    });
    expect(response.statusCode).toBe(200);
    expect(await localUser(26)).toMatchObject({ email: 'shared@example.com' });
  });

  it('keeps profiles created here out of the reconciliation', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/users',
      headers: bearer(adminToken(1)),
      payload: { name: 'Local', last_name: 'Only' },
    });
    const { user_id: id } = created.json<{ user_id: number }>();
    await app.userSync.reconcile();
    expect(await localUser(id)).toMatchObject({ deleted: false });
  });
});

describe('user sync without an auth database', () => {
  // docs/compatibility.md#user-sync
  it('works from the token claims alone (the original crashed)', async () => {
    const app = await build();
    try {
      const event = await createEvent(app);
      expect((await scan(app, userToken(30), event.qr_content)).statusCode).toBe(201);
      expect(await app.userSync.reconcile()).toEqual({ refreshed: 0, deleted: 0 });
    } finally {
      await app.close();
    }
  });

  it('keeps serving when the auth database is unreachable', async () => {
    const app = await build({ AUTH_DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:1/none' });
    try {
      const response = await app.inject({ url: '/profile', headers: bearer(userToken(31)) });
      expect(response.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
