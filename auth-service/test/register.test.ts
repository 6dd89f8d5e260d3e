import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, newUser, register, type App } from './helper.js';

let app: App;
beforeAll(async () => {
  app = await build();
});
afterAll(() => app.close());

function post(payload: unknown) {
  return app.inject({ method: 'POST', url: '/register', payload: payload as object });
}

describe('POST /register', () => {
  it('creates a user: 201 with the original body, role and token left out', async () => {
    const user = newUser({ email: 'Bob.Rossi@Example.COM', username: 'bobr' });
    const response = await post(user);
    expect(response.statusCode).toBe(201);
    const body = response.json<Record<string, unknown> & { user: Record<string, unknown> }>();
    expect(body.message).toBe('Registrazione avvenuta con successo');
    expect(body.code).toBe('REGISTER_SUCCESS');
    expect(Object.keys(body.user).sort()).toEqual(
      ['created_at', 'email', 'id', 'name', 'surname', 'username'].sort(),
    );
    // The address is stored trimmed and lower-cased.
    expect(body.user.email).toBe('bob.rossi@example.com');
    expect(body.user.username).toBe('bobr');
    expect(body.user.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(body.user.created_at as string) - Date.now())).toBeLessThan(60_000);
    expect(body).not.toHaveProperty('token');
  });

  it('generates a username from the email, then numbered ones', async () => {
    const first = await register(app, newUser({ email: 'anna@one.example' }));
    const second = await register(app, newUser({ email: 'anna@two.example' }));
    const third = await register(app, newUser({ email: 'ANNA@three.example' }));
    expect([first.username, second.username, third.username]).toEqual(['anna', 'anna1', 'anna2']);
  });

  it('accepts a display-name address and stores only the address', async () => {
    const response = await post(newUser({ email: '  Carla Bianchi <Carla@Example.org> ' }));
    expect(response.statusCode).toBe(201);
    expect(response.json<{ user: { email: string } }>().user.email).toBe('carla@example.org');
  });

  it('lets several username-only accounts exist (the original allowed only one)', async () => {
    for (const username of ['solo1', 'solo2']) {
      const response = await post({ username, name: 'S', surname: 'O', password: 'password1' });
      expect(response.statusCode).toBe(201);
      expect(response.json<{ user: { email: string } }>().user.email).toBe('');
    }
  });

  it('never trims the password: leading and trailing spaces are part of it', async () => {
    const user = newUser({ password: '  spaced secret  ' });
    await register(app, user);
    const exact = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: user.email, password: '  spaced secret  ' },
    });
    expect(exact.statusCode).toBe(200);
    const trimmed = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: user.email, password: 'spaced secret' },
    });
    expect(trimmed.statusCode).toBe(401);
  });

  it.each([
    [
      'an email without @',
      { email: 'bob.example.com' },
      'Formato email non valido',
      'INVALID_EMAIL',
    ],
    [
      'an email with an empty domain',
      { email: 'bob@' },
      'Formato email non valido',
      'INVALID_EMAIL',
    ],
    [
      'consecutive dots in the domain',
      { email: 'b@x..io' },
      'Formato email non valido',
      'INVALID_EMAIL',
    ],
    [
      'a short password',
      { password: 'short' },
      'Password deve essere di almeno 8 caratteri',
      'PASSWORD_TOO_SHORT',
    ],
    [
      '4 emoji (16 bytes, 4 characters)',
      { password: '😀😀😀😀' },
      'Password deve essere di almeno 8 caratteri',
      'PASSWORD_TOO_SHORT',
    ],
    [
      'a password over 72 bytes',
      { password: 'x'.repeat(73) },
      'Password must be at most 72 bytes (UTF-8)',
      'PASSWORD_TOO_LONG',
    ],
    [
      'a 72-byte limit crossed by multi-byte characters',
      { password: 'é'.repeat(37) },
      'Password must be at most 72 bytes (UTF-8)',
      'PASSWORD_TOO_LONG',
    ],
    ['no name', { name: '' }, 'Nome e cognome sono obbligatori', 'MISSING_NAMES'],
    ['a blank surname', { surname: '   ' }, 'Nome e cognome sono obbligatori', 'MISSING_NAMES'],
    [
      'neither email nor username',
      { email: '', username: '' },
      'Email o username richiesti per la registrazione',
      'MISSING_IDENTIFIER',
    ],
    [
      'an email over 255 characters',
      { email: `${'a'.repeat(250)}@example.com` },
      'email must be at most 255 characters',
      'FIELD_TOO_LONG',
    ],
    [
      'a name over 100 characters',
      { name: 'n'.repeat(101) },
      'name must be at most 100 characters',
      'FIELD_TOO_LONG',
    ],
    [
      'a username over 100 characters',
      { username: 'u'.repeat(101) },
      'username must be at most 100 characters',
      'FIELD_TOO_LONG',
    ],
    [
      'a username with @',
      { username: 'someone@else.com' },
      'username may not contain "@", spaces or control characters',
      'INVALID_USERNAME',
    ],
  ])('400 for %s', async (_case, overrides, error, code) => {
    const response = await post({ ...newUser(), ...overrides });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error, code });
  });

  it('checks in the original order: the email format before the password', async () => {
    const response = await post({ ...newUser(), email: 'nope', password: 'x' });
    expect(response.json<{ code: string }>().code).toBe('INVALID_EMAIL');
  });

  it('409 USER_EXISTS for a taken email, whatever its case', async () => {
    const user = newUser();
    await register(app, user);
    const response = await post({ ...newUser(), email: user.email.toUpperCase() });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ error: 'Utente già registrato', code: 'USER_EXISTS' });
  });

  it('409 USER_EXISTS for a taken username, whatever its case', async () => {
    await register(app, newUser({ username: 'GiuliaV' }));
    const response = await post(newUser({ username: 'giuliav' }));
    expect(response.statusCode).toBe(409);
    expect(response.json<{ code: string }>().code).toBe('USER_EXISTS');
  });

  it('20 parallel registrations of one email: exactly one 201, the rest 409', async () => {
    const user = newUser();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post({ ...user, username: i % 2 === 0 ? undefined : `racer${String(i)}` }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
  });

  it('writes a register row to auth_logs and an audit event to the outbox', async () => {
    const user = newUser();
    const created = await register(app, user);
    const logs = await app.db.query(
      'SELECT action, success, user_id, ip_address FROM auth_logs WHERE user_id = $1',
      [(created as { id: number }).id],
    );
    expect(logs.rows).toEqual([
      { action: 'register', success: true, user_id: created.id, ip_address: '127.0.0.1' },
    ]);
    const outbox = await app.db.query<{ payload: Record<string, unknown> }>(
      "SELECT payload FROM audit_outbox WHERE payload->>'action' = 'user.registered' AND (payload->>'user_id')::int = $1",
      [created.id],
    );
    expect(outbox.rows).toHaveLength(1);
    expect(outbox.rows[0]?.payload).toMatchObject({
      service: 'auth-service',
      success: true,
      ip: '127.0.0.1',
    });
    expect(JSON.stringify(outbox.rows[0]?.payload)).not.toContain(user.password);
  });

  it('a database error is a 500, never a 409 (the original answered 409)', async () => {
    const other = await build();
    await other.db.query('ALTER TABLE users RENAME TO users_gone');
    const response = await other.inject({ method: 'POST', url: '/register', payload: newUser() });
    expect(response.statusCode).toBe(500);
    expect(response.json<{ code: string }>().code).toBe('INTERNAL_ERROR');
    expect(response.body).not.toMatch(/users_gone|relation|SELECT|INSERT/);
    await other.db.query('ALTER TABLE users_gone RENAME TO users');
    await other.close();
  });
});
