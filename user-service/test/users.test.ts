import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { signTestToken } from '@cloud-backend/shared/testing';
import { adminToken, bearer, build, createEvent, scan, userToken } from './helper.js';

const admin = bearer(adminToken(1));

describe('/profile', () => {
  let app: ServiceApp;
  beforeAll(async () => {
    app = await build();
  });
  afterAll(() => app.close());

  it('answers from the verified token, with camelCase userId as the original', async () => {
    const response = await app.inject({ url: '/profile', headers: bearer(userToken(42)) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      email: 'user42@example.com',
      name: 'Name42',
      userId: '42',
      role: 'user',
    });
    // A username-only account has no email: still its profile (the original answered 401).
    const noEmail = await app.inject({
      url: '/profile',
      headers: bearer(userToken(43, { email: '' })),
    });
    expect(noEmail.json()).toMatchObject({ email: '', userId: '43' });
  });

  // docs/compatibility.md#fix-profile-identity
  it('ignores X-User-* headers: without a token it is the original 401', async () => {
    const spoofed = await app.inject({
      url: '/profile',
      headers: { 'x-user-email': 'boss@example.com', 'x-user-id': '1', 'x-user-role': 'admin' },
    });
    expect(spoofed.statusCode).toBe(401);
    expect(spoofed.json()).toEqual({
      error: 'User information not found',
      code: 'USER_INFO_MISSING',
    });
  });

  it('refuses tokens that are not access tokens', async () => {
    const expired = signTestToken({ user_id: 5 }, { expiresInSeconds: -10 });
    const qrLike = signTestToken({ user_id: 5, typ: 'attendance_qr' });
    const noUser = signTestToken({ user_id: undefined });
    const otherKey = signTestToken(
      { user_id: 5 },
      { secret: 'another-secret-of-at-least-32-bytes!!' },
    );
    for (const token of [expired, qrLike, noUser, otherKey, 'x.y.z']) {
      const response = await app.inject({ url: '/profile', headers: bearer(token) });
      expect(response.statusCode).toBe(401);
    }
  });
});

describe('/users (admin only)', () => {
  let app: ServiceApp;
  beforeAll(async () => {
    app = await build();
  });
  afterAll(() => app.close());

  // docs/compatibility.md#fix-users-admin-only, #fix-qr-token
  it('refuses non-admins with 403, including the event QR as a token', async () => {
    const event = await createEvent(app);
    const qrJwt = (JSON.parse(event.qr_content) as { jwt: string }).jwt;
    const user = await app.inject({ url: '/users', headers: bearer(userToken(2)) });
    expect(user.statusCode).toBe(403);
    expect(user.json()).toEqual({ error: 'Admin access required', code: 'ADMIN_REQUIRED' });
    const qr = await app.inject({ url: '/users', headers: bearer(qrJwt) });
    expect(qr.statusCode).toBe(401);
    expect(qr.json()).toEqual({ error: 'Token non valido o mancante', code: 'TOKEN_INVALID' });
    const del = await app.inject({
      method: 'DELETE',
      url: '/users/1',
      headers: bearer(userToken(2)),
    });
    expect(del.statusCode).toBe(403);
  });

  // docs/compatibility.md#fix-users-crud
  it('creates, reads, updates and deletes a profile (the original always failed)', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/users',
      headers: admin,
      payload: { name: 'Mario', last_name: 'Verdi', status: '' },
    });
    expect(created.statusCode).toBe(201);
    const { user_id: id } = created.json<{ user_id: number }>();
    expect(created.json()).toEqual({ message: 'Utente creato con successo', user_id: id });
    // Far above auth-service's ids, so a later sync never lands on it.
    expect(id).toBeGreaterThanOrEqual(1_000_000_000);

    const read = await app.inject({ url: `/users/${id}`, headers: admin });
    expect(read.json()).toEqual({
      id,
      name: 'Mario',
      last_name: 'Verdi',
      status: 'active',
      role: 'user',
      created_at: expect.any(String) as unknown,
      updated_at: expect.any(String) as unknown,
      deleted_at: null,
    });

    const updated = await app.inject({
      method: 'PUT',
      url: `/users/${id}`,
      headers: admin,
      payload: { name: 'Maria', last_name: 'Verdi', status: 'inactive' },
    });
    expect(updated.json()).toEqual({ message: 'Utente aggiornato con successo' });
    expect((await app.inject({ url: `/users/+${id}`, headers: admin })).json()).toMatchObject({
      name: 'Maria',
      status: 'inactive',
    });

    const deleted = await app.inject({ method: 'DELETE', url: `/users/${id}`, headers: admin });
    expect(deleted.json()).toEqual({ message: 'Utente cancellato con successo' });
    const again = await app.inject({ method: 'DELETE', url: `/users/${id}`, headers: admin });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toEqual({ error: 'Utente non trovato', code: 'USER_NOT_FOUND' });
  });

  it('lists users by name, paginated, with synced accounts in it', async () => {
    await app.inject({ url: '/profile', headers: bearer(userToken(3, { name: 'Zed' })) });
    const response = await app.inject({ url: '/users?page=1&limit=500', headers: admin });
    const body = response.json<{ users: { name: string; email?: string }[]; total: number }>();
    expect(body).toMatchObject({ page: 1, limit: 100 });
    expect(body.total).toBe(body.users.length);
    const names = body.users.map((u) => u.name);
    expect(names).toEqual([...names].sort());
    expect(body.users.find((u) => u.name === 'Zed')).toMatchObject({
      id: 3,
      email: 'user3@example.com',
      role: 'user',
      last_name: 'Surname3',
    });
    const far = await app.inject({ url: '/users?page=99999', headers: admin });
    expect(far.json()).toMatchObject({ users: [], page: 99999, limit: 10 });
  });

  it('answers the original 400s, 404s and validation messages', async () => {
    const cases: [string, string, unknown, number, unknown][] = [
      ['GET', '/users/abc', undefined, 400, { error: 'ID non valido', code: 'INVALID_USER_ID' }],
      ['GET', '/users/99999999999', undefined, 400, { error: 'ID non valido' }],
      ['GET', '/users/424242', undefined, 404, { error: 'Utente non trovato' }],
      ['PUT', '/users/abc', { name: 'a', last_name: 'b' }, 400, { error: 'ID utente non valido' }],
      ['DELETE', '/users/1.5', undefined, 400, { error: 'ID utente non valido' }],
      ['PUT', '/users/424242', { name: 'a', last_name: 'b' }, 404, { error: 'Utente non trovato' }],
      [
        'POST',
        '/users',
        { name: 'a' },
        400,
        { error: 'Nome e cognome sono richiesti', code: 'NAME_REQUIRED' },
      ],
      [
        'POST',
        '/users',
        { name: '', last_name: 'b' },
        400,
        { error: 'Nome e cognome sono richiesti' },
      ],
      [
        'POST',
        '/users',
        { name: 1, last_name: 'b' },
        400,
        { error: 'Payload non valido', code: 'INVALID_PAYLOAD' },
      ],
      ['POST', '/users', 'nope', 400, { error: 'Payload non valido' }],
      ['POST', '/users', { name: 'a\u0007', last_name: 'b' }, 400, { code: 'INVALID_TEXT' }],
      ['POST', '/users', { name: 'a'.repeat(300), last_name: 'b' }, 400, { code: 'INVALID_TEXT' }],
    ];
    for (const [method, url, payload, status, expected] of cases) {
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers: { ...admin, 'content-type': 'application/json' },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload ?? {}),
      });
      expect(response.statusCode, `${method} ${url}`).toBe(status);
      expect(response.json()).toMatchObject(expected as Record<string, unknown>);
    }
  });

  it('refuses to delete a user with attendance: 409, not the original 500', async () => {
    const event = await createEvent(app);
    await scan(app, userToken(8), event.qr_content);
    const response = await app.inject({ method: 'DELETE', url: '/users/8', headers: admin });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      error: 'The user has attendance records and cannot be deleted',
      code: 'USER_IN_USE',
    });
  });

  it('keeps events when their creator is deleted', async () => {
    const event = await createEvent(app, {}, adminToken(55));
    expect(
      (await app.inject({ method: 'DELETE', url: '/users/55', headers: admin })).statusCode,
    ).toBe(200);
    const { rows } = await app.db.query(
      'SELECT created_by FROM attendance_events WHERE event_id = $1',
      [event.event_id],
    );
    expect(rows).toEqual([{ created_by: null }]);
  });
});
