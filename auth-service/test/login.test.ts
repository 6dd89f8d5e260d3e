import bcrypt from 'bcrypt';
import { createDecoder } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_SIGNING_KEY } from '@cloud-backend/shared/testing';
import { build, buildOn, login, newUser, register, type App, type Session } from './helper.js';

let app: App;
beforeAll(async () => {
  app = await build({ ACCESS_TOKEN_TTL: '3600' });
});
afterAll(() => app.close());

const decode = createDecoder({ complete: true });

async function logRows(userEmail: string) {
  const { rows } = await app.db.query<{ action: string; success: boolean; ip_address: string }>(
    `SELECT action, success, ip_address, user_agent FROM auth_logs
      WHERE lower(user_email) = lower($1) ORDER BY id`,
    [userEmail],
  );
  return rows;
}

describe('POST /login', () => {
  it('200 with the original fields, a refresh token and expires_in = ACCESS_TOKEN_TTL', async () => {
    const user = newUser({ username: 'lucia' });
    const created = await register(app, user);
    const response = await login(app, user.email, user.password);
    expect(response.statusCode).toBe(200);
    const body = response.json<Session & Record<string, unknown>>();
    expect(body.token).toBe(body.access_token);
    expect(body.expires_in).toBe(3600);
    expect(typeof body.refresh_token).toBe('string');
    expect(body.user).toEqual({
      id: created.id,
      email: user.email,
      username: 'lucia',
      name: 'Mario',
      surname: 'Rossi',
      role: 'user',
    });
  });

  it('signs EdDSA with its key (kid), the original claims plus iat, sub, jti, sid and typ', async () => {
    const user = newUser();
    await register(app, user);
    const sent = `  ${user.email.toUpperCase()}`;
    const body = (await login(app, sent, user.password)).json<Session>();
    const { header, payload } = decode(body.token) as {
      header: Record<string, unknown>;
      payload: Record<string, unknown>;
    };
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: TEST_SIGNING_KEY.kid });
    expect(Object.keys(payload).sort()).toEqual(
      [
        'email',
        'user_id',
        'role',
        'name',
        'surname',
        'identifier',
        'exp',
        'iat',
        'sub',
        'jti',
        'sid',
        'typ',
      ].sort(),
    );
    expect(payload).toMatchObject({
      email: user.email,
      user_id: body.user.id,
      role: 'user',
      identifier: sent,
      sub: String(body.user.id),
      typ: 'access',
    });
    expect(payload.exp).toBe((payload.iat as number) + 3600);
  });

  it('accepts the username as identifier, case-insensitively', async () => {
    const user = newUser({ username: 'Federico' });
    await register(app, user);
    const response = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'FEDERICO', password: user.password },
    });
    expect(response.statusCode).toBe(200);
  });

  it('stamps last_login (never written by the original)', async () => {
    const user = newUser();
    const created = await register(app, user);
    await login(app, user.email, user.password);
    const { rows } = await app.db.query<{ last_login: Date }>(
      'SELECT last_login FROM users WHERE id = $1',
      [created.id],
    );
    expect(Date.now() - (rows[0]?.last_login.getTime() ?? 0)).toBeLessThan(60_000);
  });

  it('400 MISSING_IDENTIFIER without email or username', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { password: 'x' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: 'Email o username richiesti',
      code: 'MISSING_IDENTIFIER',
    });
  });

  it('401 INVALID_CREDENTIALS for a wrong password, logged with the client IP and agent', async () => {
    const user = newUser();
    await register(app, user);
    const response = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: user.email, password: 'wrong password' },
      headers: { 'user-agent': 'test-agent/1.0', 'x-forwarded-for': '203.0.113.7' },
      remoteAddress: '127.0.0.1',
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: 'Credenziali errate', code: 'INVALID_CREDENTIALS' });
    const rows = await logRows(user.email);
    // The gateway (a trusted proxy) forwarded the client's address; that is what is logged.
    expect(rows.at(-1)).toEqual({
      action: 'login_failed_wrong_password',
      success: false,
      ip_address: '203.0.113.7',
      user_agent: 'test-agent/1.0',
    });
  });

  it('ignores X-Forwarded-For from an untrusted peer', async () => {
    const user = newUser();
    await register(app, user);
    await app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: user.email, password: 'wrong password' },
      headers: { 'x-forwarded-for': '198.51.100.1' },
      remoteAddress: '203.0.113.50',
    });
    expect((await logRows(user.email)).at(-1)?.ip_address).toBe('203.0.113.50');
  });

  it('401 for an unknown account, and the attempt is logged (the original logged nothing)', async () => {
    const response = await login(app, 'nobody@example.com', 'whatever password');
    expect(response.statusCode).toBe(401);
    expect(response.json<{ code: string }>().code).toBe('INVALID_CREDENTIALS');
    expect((await logRows('nobody@example.com')).at(-1)).toMatchObject({
      action: 'login_failed_user_not_found',
      success: false,
    });
  });

  it('an unknown account costs a bcrypt comparison too (no timing oracle)', async () => {
    const compare = vi.spyOn(bcrypt, 'compare');
    try {
      await login(app, 'ghost@example.com', 'wrong password');
      // The original returned at once for an unknown account; a real comparison ran here.
      expect(compare).toHaveBeenCalledTimes(1);
      expect(compare.mock.calls[0]?.[0]).toBe('wrong password');
    } finally {
      compare.mockRestore();
    }
  });

  it('rejects a password over 72 bytes whose first 72 bytes match (bcrypt would accept it)', async () => {
    const password = 'p'.repeat(72);
    const user = newUser({ password });
    await register(app, user);
    expect((await login(app, user.email, password)).statusCode).toBe(200);
    expect((await login(app, user.email, `${password}extra`)).statusCode).toBe(401);
  });

  it('500 PASSWORD_NOT_SET for an account with an empty hash, as the original', async () => {
    const user = newUser();
    const created = await register(app, user);
    await app.db.query("UPDATE users SET password = '' WHERE id = $1", [created.id]);
    const response = await login(app, user.email, user.password);
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      error: "Password non impostata per l'utente",
      code: 'PASSWORD_NOT_SET',
    });
  });

  it('re-hashes a cost-10 hash (the original) with BCRYPT_COST on a successful login', async () => {
    // The same database, served with a higher cost.
    const strong = await buildOn(app.db.options.connectionString ?? '', { BCRYPT_COST: '11' });
    const user = newUser();
    const created = await register(app, user);
    await strong.db.query('UPDATE users SET password = $2 WHERE id = $1', [
      created.id,
      await bcrypt.hash(user.password, 10),
    ]);
    expect((await login(strong, user.email, user.password)).statusCode).toBe(200);
    const { rows } = await strong.db.query<{ password: string }>(
      'SELECT password FROM users WHERE id = $1',
      [created.id],
    );
    expect(bcrypt.getRounds(rows[0]?.password ?? '')).toBe(11);
    expect(await bcrypt.compare(user.password, rows[0]?.password ?? '')).toBe(true);
    await strong.close();
  });

  it('still verifies the original $2a$ hashes', async () => {
    const user = newUser();
    const created = await register(app, user);
    const hash2a = (await bcrypt.hash(user.password, 4)).replace(/^\$2b\$/, '$2a$');
    await app.db.query('UPDATE users SET password = $2 WHERE id = $1', [created.id, hash2a]);
    expect((await login(app, user.email, user.password)).statusCode).toBe(200);
  });
});

describe('account lockout', () => {
  it('5 failures from one address lock the account for that address only, for 15 minutes', async () => {
    const user = newUser();
    await register(app, user);
    for (let i = 0; i < 5; i++) {
      const response = await login(app, user.email, 'wrong password', '10.0.0.1');
      expect(response.statusCode).toBe(401);
    }
    // The right password from that address is refused...
    const locked = await login(app, user.email, user.password, '10.0.0.1');
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toEqual({
      error: 'Account temporarily locked after too many failed logins',
      code: 'ACCOUNT_LOCKED',
    });
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    const actions = (await logRows(user.email)).map((row) => row.action);
    expect(actions).toContain('account_locked');
    expect(actions.at(-1)).toBe('login_blocked_locked');
    // ...and the owner, from another address, is let in.
    expect((await login(app, user.email, user.password, '192.0.2.99')).statusCode).toBe(200);
  });

  it('unlocks when the lock expires, and a success resets the count', async () => {
    const user = newUser();
    const created = await register(app, user);
    for (let i = 0; i < 4; i++) await login(app, user.email, 'wrong password');
    expect((await login(app, user.email, user.password)).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) await login(app, user.email, 'wrong password');
    expect((await login(app, user.email, user.password)).statusCode).toBe(200);

    for (let i = 0; i < 5; i++) await login(app, user.email, 'wrong password');
    expect((await login(app, user.email, user.password)).statusCode).toBe(429);
    await app.db.query(
      `UPDATE login_throttle SET blocked_until = now() - interval '1 second'
        WHERE scope = 'pair' AND key = $1`,
      [`user:${String(created.id)}|127.0.0.1`],
    );
    expect((await login(app, user.email, user.password)).statusCode).toBe(200);
  });

  it('parallel guesses are all counted', async () => {
    const user = newUser();
    await register(app, user);
    await Promise.all(Array.from({ length: 8 }, () => login(app, user.email, 'wrong password')));
    expect((await login(app, user.email, user.password)).statusCode).toBe(429);
  });
});
