import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  build,
  newUser,
  register,
  signedIn,
  signedInAdmin,
  type App,
  type Session,
} from './helper.js';

let app: App;
let admin: Session;
beforeAll(async () => {
  app = await build();
  admin = await signedInAdmin(app);
});
afterAll(() => app.close());

function asAdmin(method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object) {
  return app.inject({ method, url, headers: bearer(admin), ...(payload ? { payload } : {}) });
}

interface ListedUser {
  id: number;
  email: string;
  username?: string;
  name?: string;
  role: string;
  created_at: string;
}
interface UserList {
  users: ListedUser[];
  total: number;
  page: number;
  limit: number;
  pages_total: number;
}

describe('admin guard', () => {
  it('403 with the original body for a user token', async () => {
    const user = await signedIn(app);
    for (const [method, url] of [
      ['GET', '/admin/users'],
      ['PUT', '/admin/users/1/role'],
      ['DELETE', '/admin/users/1'],
      ['GET', '/admin/auth-logs'],
    ] as const) {
      const response = await app.inject({
        method,
        url,
        headers: bearer(user),
        payload: { role: 'admin' },
      });
      expect(response.statusCode, url).toBe(403);
      expect(response.json()).toEqual({
        error: 'Accesso negato. Privilegi amministratore richiesti.',
        code: 'ADMIN_REQUIRED',
      });
    }
  });

  it('400 JWT_MISSING without a token', async () => {
    const response = await app.inject({ method: 'GET', url: '/admin/users' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'Missing or malformed JWT', code: 'JWT_MISSING' });
  });
});

describe('GET /admin/users', () => {
  it('lists newest first with the original item fields, paginated', async () => {
    const a = await register(app, newUser({ username: 'list-a' }));
    const b = await register(app, newUser({ username: 'list-b' }));
    const response = await asAdmin('GET', '/admin/users?limit=2');
    expect(response.statusCode).toBe(200);
    const body = response.json<UserList>();
    expect(body.users.map((u) => u.id)).toEqual([b.id, a.id]);
    expect(body).toMatchObject({ page: 1, limit: 2 });
    expect(body.total).toBeGreaterThanOrEqual(3);
    expect(body.pages_total).toBe(Math.ceil(body.total / 2));
    expect(Object.keys(body.users[0] ?? {}).sort()).toEqual(
      ['created_at', 'email', 'id', 'last_login', 'name', 'role', 'surname', 'username'].sort(),
    );
    expect(JSON.stringify(body)).not.toMatch(/password|\$2[aby]\$/);
  });

  it('searches email, username, name and surname; filters by role', async () => {
    await register(app, newUser({ name: 'Zebedeo', surname: 'Quasimodo' }));
    const byName = (await asAdmin('GET', '/admin/users?q=zebed')).json<UserList>();
    expect(byName.users.map((u) => u.name)).toEqual(['Zebedeo']);
    expect(byName.total).toBe(1);
    const admins = (await asAdmin('GET', '/admin/users?role=admin')).json<UserList>();
    expect(admins.users.every((u) => u.role === 'admin')).toBe(true);
    const none = (
      await asAdmin('GET', `/admin/users?q=${encodeURIComponent("%' OR 1=1 --")}`)
    ).json<UserList>();
    expect(none).toMatchObject({ users: [], total: 0, pages_total: 0 });
  });

  it('leaves out an empty name, as the original', async () => {
    const created = await register(app, newUser());
    await app.db.query("UPDATE users SET name = '' WHERE id = $1", [created.id]);
    const body = (await asAdmin('GET', '/admin/users?limit=500')).json<UserList>();
    const listed = body.users.find((u) => u.id === created.id);
    expect(listed).toBeDefined();
    expect(listed).not.toHaveProperty('name');
  });

  it('400 for an unknown role filter', async () => {
    const response = await asAdmin('GET', '/admin/users?role=root');
    expect(response.statusCode).toBe(400);
    expect(response.json<{ code: string }>().code).toBe('VALIDATION_ERROR');
  });
});

describe('PUT /admin/users/:id/role', () => {
  it('200 with user_id echoed as the path text; the user is signed out everywhere', async () => {
    const user = await signedIn(app);
    const path = `0${String(user.user.id)}`;
    const response = await asAdmin('PUT', `/admin/users/${path}/role`, { role: 'admin' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      message: 'Ruolo aggiornato con successo',
      user_id: path,
      new_role: 'admin',
    });
    const me = await app.inject({ method: 'GET', url: '/me', headers: bearer(user) });
    expect(me.statusCode).toBe(401);
    const { rows } = await app.db.query<{ action: string; actor_id: number }>(
      "SELECT action, actor_id FROM auth_logs WHERE user_id = $1 AND action = 'role_change'",
      [user.user.id],
    );
    expect(rows).toEqual([{ action: 'role_change', actor_id: admin.user.id }]);
    const audit = await app.db.query(
      "SELECT 1 FROM audit_outbox WHERE payload->>'action' = 'user.role_changed' AND (payload->>'user_id')::int = $1",
      [user.user.id],
    );
    expect(audit.rowCount).toBe(1);
  });

  it('setting the current role again is a 200 that revokes nothing', async () => {
    const user = await signedIn(app);
    const response = await asAdmin('PUT', `/admin/users/${String(user.user.id)}/role`, {
      role: 'user',
    });
    expect(response.statusCode).toBe(200);
    expect(
      (await app.inject({ method: 'GET', url: '/me', headers: bearer(user) })).statusCode,
    ).toBe(200);
  });

  it.each([
    ['Admin', 'case matters'],
    ['superuser', 'unknown role'],
    [' user', 'not trimmed'],
  ])('400 INVALID_ROLE for %j (%s)', async (role) => {
    const response = await asAdmin('PUT', '/admin/users/1/role', { role });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: "Ruolo non valido. Deve essere 'user' o 'admin'",
      code: 'INVALID_ROLE',
    });
  });

  it('400 INVALID_PAYLOAD for a body that is not {role: string}', async () => {
    const response = await asAdmin('PUT', '/admin/users/1/role', { role: 5 });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'Payload non valido', code: 'INVALID_PAYLOAD' });
  });

  it.each(['abc', '4.0', '-3', '0', '99999999999'])(
    '400 INVALID_USER_ID for %j (the original: 500)',
    async (id) => {
      const response = await asAdmin('PUT', `/admin/users/${id}/role`, { role: 'user' });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ code: string }>().code).toBe('INVALID_USER_ID');
    },
  );

  it('404 USER_NOT_FOUND', async () => {
    const response = await asAdmin('PUT', '/admin/users/999999/role', { role: 'user' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'Utente non trovato', code: 'USER_NOT_FOUND' });
  });
});

describe('DELETE /admin/users/:id', () => {
  it('200 with the original body; sessions end; the feed publishes them', async () => {
    const user = await signedIn(app);
    const response = await asAdmin('DELETE', `/admin/users/${String(user.user.id)}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      message: 'Utente eliminato con successo',
      user_id: String(user.user.id),
    });
    expect(
      (await app.inject({ method: 'GET', url: '/me', headers: bearer(user) })).statusCode,
    ).toBe(401);
    const { rows } = await app.db.query('SELECT reason FROM revocations WHERE user_id = $1', [
      user.user.id,
    ]);
    expect(rows).toEqual([{ reason: 'user_deleted' }]);
    expect((await asAdmin('DELETE', `/admin/users/${String(user.user.id)}`)).statusCode).toBe(404);
  });

  it.each(['', '0', '+', ' '])(
    '400 SELF_DELETE_FORBIDDEN for own id written as %j+id (the original deleted it)',
    async (prefix) => {
      const response = await asAdmin(
        'DELETE',
        `/admin/users/${encodeURIComponent(prefix)}${String(admin.user.id)}`,
      );
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'Non puoi eliminare il tuo stesso account',
        code: 'SELF_DELETE_FORBIDDEN',
      });
    },
  );

  it('400 INVALID_USER_ID for a non-numeric id', async () => {
    const response = await asAdmin('DELETE', '/admin/users/abc');
    expect(response.statusCode).toBe(400);
    expect(response.json<{ code: string }>().code).toBe('INVALID_USER_ID');
  });
});

describe('the last admin', () => {
  it('cannot be demoted (409 LAST_ADMIN) until another admin exists', async () => {
    const solo = await build();
    const only = await signedInAdmin(solo);
    const id = String(only.user.id);
    const demote = await solo.inject({
      method: 'PUT',
      url: `/admin/users/${id}/role`,
      headers: bearer(only),
      payload: { role: 'user' },
    });
    expect(demote.statusCode).toBe(409);
    expect(demote.json()).toEqual({
      error: 'The last admin cannot be demoted or deleted',
      code: 'LAST_ADMIN',
    });
    const second = await signedInAdmin(solo);
    const demoteNow = await solo.inject({
      method: 'PUT',
      url: `/admin/users/${id}/role`,
      headers: bearer(second),
      payload: { role: 'user' },
    });
    expect(demoteNow.statusCode).toBe(200);
    await solo.close();
  });
});
