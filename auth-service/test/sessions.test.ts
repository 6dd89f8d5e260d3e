import { signTestToken, TEST_JWT_SECRET } from '@cloud-backend/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  build,
  INTERNAL_TOKEN,
  login,
  newUser,
  signedIn,
  type App,
  type Session,
} from './helper.js';

let app: App;
beforeAll(async () => {
  app = await build();
});
afterAll(() => app.close());

function refresh(token: string) {
  return app.inject({ method: 'POST', url: '/refresh', payload: { refresh_token: token } });
}

function me(session: Session | string) {
  return app.inject({ method: 'GET', url: '/me', headers: bearer(session) });
}

async function feed(since = '0') {
  const response = await app.inject({
    method: 'GET',
    url: `/internal/revocations?since=${since}`,
    headers: { authorization: `Bearer ${INTERNAL_TOKEN}` },
  });
  expect(response.statusCode).toBe(200);
  return response.json<{
    revocations: {
      id: string;
      session_id: string;
      user_id: number;
      reason: string;
      expires_at: string;
    }[];
    cursor: string;
    has_more: boolean;
  }>();
}

function sid(session: Session): string {
  const payload = Buffer.from(session.token.split('.')[1] ?? '', 'base64url').toString();
  return (JSON.parse(payload) as { sid: string }).sid;
}

describe('POST /refresh', () => {
  it('rotates: new tokens for the same session, and the old refresh token is spent', async () => {
    const session = await signedIn(app);
    const first = await refresh(session.refresh_token);
    expect(first.statusCode).toBe(200);
    const renewed = first.json<Session>();
    expect(renewed.refresh_token).not.toBe(session.refresh_token);
    expect(renewed.user).toEqual(session.user);
    expect(sid(renewed)).toBe(sid(session));
    expect((await me(renewed)).statusCode).toBe(200);
  });

  it('reuse of a spent refresh token revokes the whole session', async () => {
    const session = await signedIn(app);
    const renewed = (await refresh(session.refresh_token)).json<Session>();
    const replay = await refresh(session.refresh_token);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toEqual({
      error: 'Refresh token was already used; the session has been revoked',
      code: 'REFRESH_TOKEN_REUSED',
    });
    // Both the thief's and the owner's copies are dead now.
    expect((await refresh(renewed.refresh_token)).statusCode).toBe(401);
    expect((await me(renewed)).statusCode).toBe(401);
    const reasons = (await feed()).revocations.filter((r) => r.session_id === sid(session));
    expect(reasons.map((r) => r.reason)).toEqual(['refresh_reuse']);
  });

  it('two concurrent refreshes with one token: one wins, the session is then revoked', async () => {
    const session = await signedIn(app);
    const results = await Promise.all([
      refresh(session.refresh_token),
      refresh(session.refresh_token),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('401 INVALID_REFRESH_TOKEN for an unknown token; 400 INVALID_PAYLOAD without one', async () => {
    const unknown = await refresh('not-a-token');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json<{ code: string }>().code).toBe('INVALID_REFRESH_TOKEN');
    const missing = await app.inject({ method: 'POST', url: '/refresh', payload: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ error: 'Payload non valido', code: 'INVALID_PAYLOAD' });
  });

  it('carries a role change into the new access token', async () => {
    const session = await signedIn(app);
    await app.db.query("UPDATE users SET role = 'admin' WHERE id = $1", [session.user.id]);
    const renewed = (await refresh(session.refresh_token)).json<Session>();
    expect(renewed.user.role).toBe('admin');
  });
});

describe('POST /logout', () => {
  it('revokes the session: the token is refused here and published on the feed', async () => {
    const session = await signedIn(app);
    const before = await feed();
    const response = await app.inject({ method: 'POST', url: '/logout', headers: bearer(session) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: 'Logged out', code: 'LOGOUT_SUCCESS' });
    expect((await me(session)).statusCode).toBe(401);
    expect((await refresh(session.refresh_token)).statusCode).toBe(401);
    const after = await feed(before.cursor);
    expect(after.revocations).toEqual([
      expect.objectContaining({
        session_id: sid(session),
        user_id: session.user.id,
        reason: 'logout',
      }),
    ]);
    const expiresIn = Date.parse(after.revocations[0]?.expires_at ?? '') - Date.now();
    expect(expiresIn).toBeGreaterThan(23 * 3600 * 1000); // as long as the access token can live
  });

  it('400 JWT_MISSING without a token, 401 JWT_INVALID with a bad one', async () => {
    const missing = await app.inject({ method: 'POST', url: '/logout' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ error: 'Missing or malformed JWT', code: 'JWT_MISSING' });
    const bad = await app.inject({
      method: 'POST',
      url: '/logout',
      headers: bearer('abc.def.ghi'),
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toEqual({ error: 'Invalid or expired JWT', code: 'JWT_INVALID' });
  });

  it('other sessions of the same account stay signed in', async () => {
    const user = newUser();
    const first = await signedIn(app, user);
    const second = (await login(app, user.email, user.password)).json<Session>();
    await app.inject({ method: 'POST', url: '/logout', headers: bearer(first) });
    expect((await me(second)).statusCode).toBe(200);
  });
});

describe('GET /me and GET /protected/profile', () => {
  it('/me returns the stored profile', async () => {
    const user = newUser({ username: 'paola' });
    const session = await signedIn(app, user);
    const response = await me(session);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id: session.user.id,
      email: user.email,
      username: 'paola',
      name: 'Mario',
      surname: 'Rossi',
      role: 'user',
    });
    expect(response.json<{ last_login: string }>().last_login).toMatch(/Z$/);
  });

  it('/protected/profile keeps the original reply', async () => {
    const session = await signedIn(app);
    const response = await app.inject({
      method: 'GET',
      url: '/protected/profile',
      headers: bearer(session),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: 'Accesso autorizzato', email: session.user.email });
  });

  it('refuses tokens the original accepted: no exp, alg none, wrong typ, wrong key', async () => {
    const claims = {
      user_id: 1,
      email: 'a@b.c',
      role: 'admin',
      name: 'A',
      surname: 'B',
      identifier: 'a@b.c',
      sid: '00000000-0000-0000-0000-000000000000',
    };
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(
      JSON.stringify({ ...claims, typ: 'access', exp: 9999999999 }),
    ).toString('base64url');
    const tokens = [
      `${header}.${body}.`,
      signTestToken({ ...claims, typ: 'attendance_qr' }),
      signTestToken(
        { ...claims, typ: 'access' },
        { secret: 'another-secret-of-at-least-32-characters!!' },
      ),
      signTestToken({ ...claims, typ: 'access' }, { expiresInSeconds: -10 }),
      signTestToken({ ...claims, typ: 'access' }), // a well-formed token of a session that never existed
    ];
    for (const token of tokens) {
      const response = await app.inject({
        method: 'GET',
        url: '/protected/profile',
        headers: bearer(token),
      });
      expect(response.statusCode, token).toBe(401);
    }
    expect(TEST_JWT_SECRET.length).toBeGreaterThanOrEqual(32);
  });

  it('a token of a real session but without an email claim is a 401 (the original: 500)', async () => {
    const session = await signedIn(app);
    const claims = JSON.parse(
      Buffer.from(session.token.split('.')[1] ?? '', 'base64url').toString(),
    ) as Record<string, unknown>;
    delete claims.email;
    const response = await app.inject({
      method: 'GET',
      url: '/protected/profile',
      headers: bearer(signTestToken({ ...claims, email: undefined })),
    });
    expect(response.statusCode).toBe(401);
    expect(response.json<{ code: string }>().code).toBe('JWT_INVALID');
  });
});

describe('PUT /me/password', () => {
  function change(session: Session, current: string, next: string) {
    return app.inject({
      method: 'PUT',
      url: '/me/password',
      headers: bearer(session),
      payload: { current_password: current, new_password: next },
    });
  }

  it('changes it, keeps this session and signs the others out', async () => {
    const user = newUser();
    const current = await signedIn(app, user);
    const other = (await login(app, user.email, user.password)).json<Session>();
    const response = await change(current, user.password, 'a brand new password');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ code: 'PASSWORD_CHANGED', sessions_revoked: 1 });
    expect((await me(current)).statusCode).toBe(200);
    expect((await me(other)).statusCode).toBe(401);
    expect((await login(app, user.email, user.password)).statusCode).toBe(401);
    expect((await login(app, user.email, 'a brand new password')).statusCode).toBe(200);
  });

  it('400 INVALID_CURRENT_PASSWORD, PASSWORD_TOO_SHORT, PASSWORD_TOO_LONG', async () => {
    const user = newUser();
    const session = await signedIn(app, user);
    const wrong = await change(session, 'not it', 'another long password');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toEqual({
      error: 'Current password is incorrect',
      code: 'INVALID_CURRENT_PASSWORD',
    });
    expect((await change(session, user.password, 'short')).json<{ code: string }>().code).toBe(
      'PASSWORD_TOO_SHORT',
    );
    expect(
      (await change(session, user.password, 'y'.repeat(73))).json<{ code: string }>().code,
    ).toBe('PASSWORD_TOO_LONG');
  });
});

describe('GET /internal/revocations', () => {
  it('requires the service credential', async () => {
    const none = await app.inject({ method: 'GET', url: '/internal/revocations' });
    expect(none.statusCode).toBe(401);
    expect(none.json<{ code: string }>().code).toBe('INTERNAL_AUTH_REQUIRED');
    const session = await signedIn(app);
    const userToken = await app.inject({
      method: 'GET',
      url: '/internal/revocations',
      headers: bearer(session),
    });
    expect(userToken.statusCode).toBe(401);
  });

  it('pages through the feed with a cursor, in order', async () => {
    const start = (await feed()).cursor;
    const sessions = await Promise.all(Array.from({ length: 3 }, () => signedIn(app)));
    for (const s of sessions)
      await app.inject({ method: 'POST', url: '/logout', headers: bearer(s) });
    const page = await app.inject({
      method: 'GET',
      url: `/internal/revocations?since=${start}&limit=2`,
      headers: { authorization: `Bearer ${INTERNAL_TOKEN}` },
    });
    const first = page.json<{
      revocations: { session_id: string }[];
      cursor: string;
      has_more: boolean;
    }>();
    expect(first.revocations).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const rest = await feed(first.cursor);
    expect([...first.revocations, ...rest.revocations].map((r) => r.session_id)).toEqual(
      sessions.map(sid),
    );
  });

  it('400 for a malformed cursor', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/internal/revocations?since=-1',
      headers: { authorization: `Bearer ${INTERNAL_TOKEN}` },
    });
    expect(response.statusCode).toBe(400);
  });
});
