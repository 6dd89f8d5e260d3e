/**
 * Sessions per device and two-step sign-in, through the real gateway and auth-service, each
 * listening on a port (the other upstreams point at auth-service too: a path it does not serve
 * answers its 404, which is how a test sees that the gateway let a token through). The gateway
 * trusts the loopback proxy (the test), so X-Forwarded-For is the client address.
 * docs/security.md describes the design these tests hold it to.
 */
import { TOTP, Secret } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { buildGateway, upstreamEnv } from '../../gateway/test/support/gateway.js';
import { listen, send, type Answer } from '../../gateway/test/support/http.js';
import { ensureAdmin } from '../src/domain/admin-bootstrap.js';
import { build, newUser, type App } from './helper.js';

const LOGIN_KEYS = [
  'access_token',
  'expires_in',
  'refresh_expires_in',
  'refresh_token',
  'token',
  'token_type',
  'user',
];
const JWT_INVALID = { error: 'Token non valido o mancante', code: 'JWT_INVALID' };

let auth: App;
let gateway: ServiceApp;
let base: string;

beforeAll(async () => {
  auth = await build({ ADMIN_MFA_REQUIRED: 'true', LOCKOUT_THRESHOLD: '3' });
  const authUrl = await listen(auth);
  gateway = await buildGateway({ ...upstreamEnv(authUrl), REVOCATION_POLL_MS: '100' });
  base = await listen(gateway);
}, 120_000);
afterAll(async () => {
  await gateway.close();
  await auth.close();
});

interface Device {
  from: string;
  agent: string;
}
interface Session {
  token: string;
  refresh_token: string;
  user: { id: number; email: string; role: string };
}

const DESK: Device = { from: '198.51.100.1', agent: 'DeskBrowser/1.0' };
const PHONE: Device = { from: '198.51.100.2', agent: 'PhoneApp/2.0' };
const TABLET: Device = { from: '198.51.100.3', agent: 'TabletApp/3.0' };

function call(
  method: string,
  path: string,
  device: Device,
  options: { token?: string; body?: unknown } = {},
): Promise<Answer> {
  return send(base, {
    method,
    path,
    headers: {
      'x-forwarded-for': device.from,
      'user-agent': device.agent,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
}

function loginFrom(device: Device, email: string, password: string) {
  return call('POST', '/auth/login', device, { body: { email, password } });
}

async function signIn(device: Device, account: { email: string; password: string }) {
  const answer = await loginFrom(device, account.email, account.password);
  expect(answer.status, answer.text).toBe(200);
  return answer.json<Session>();
}

async function account() {
  const user = newUser();
  const registered = await call('POST', '/auth/register', DESK, { body: user });
  expect(registered.status, registered.text).toBe(201);
  return { email: user.email, password: user.password };
}

/**
 * Whether the gateway lets the token through to a route it checks tokens on: auth-service,
 * standing in for user-service, answers its own 404 there.
 */
async function gatewayStatus(token: string): Promise<number> {
  return (await call('GET', '/user/profile', DESK, { token })).status;
}

/** Waits (up to a generous bound) until the gateway refuses the token, and checks the body. */
async function refusedAtGateway(token: string): Promise<void> {
  await expect.poll(() => gatewayStatus(token), { timeout: 20_000, interval: 50 }).toBe(401);
  expect((await call('GET', '/user/profile', DESK, { token })).json()).toEqual(JWT_INVALID);
}

function sid(token: string): string {
  const payload = Buffer.from(token.split('.')[1] ?? '', 'base64url').toString();
  return (JSON.parse(payload) as { sid: string }).sid;
}

interface DeviceRow {
  id: string;
  user_agent: string | null;
  ip_address: string | null;
  created_at: string;
  last_used_at: string;
  current: boolean;
}

async function devices(token: string): Promise<DeviceRow[]> {
  const answer = await call('GET', '/auth/sessions', DESK, { token });
  expect(answer.status, answer.text).toBe(200);
  return answer.json<{ sessions: DeviceRow[] }>().sessions;
}

async function logged(action: string, userId: number) {
  const { rows } = await auth.db.query<{ ip_address: string; user_agent: string }>(
    'SELECT ip_address, user_agent FROM auth_logs WHERE action = $1 AND user_id = $2 ORDER BY id',
    [action, userId],
  );
  return rows;
}

describe('sessions per device', () => {
  it('lists the sessions of two devices, with the address and browser of the last use', async () => {
    const owner = await account();
    const desk = await signIn(DESK, owner);
    const phone = await signIn(PHONE, owner);
    const listed = await devices(desk.token);
    expect(listed).toHaveLength(2);
    const bySid = new Map(listed.map((row) => [row.id, row]));
    expect(bySid.get(sid(desk.token))).toMatchObject({
      user_agent: DESK.agent,
      ip_address: DESK.from,
      current: true,
    });
    expect(bySid.get(sid(phone.token))).toMatchObject({
      user_agent: PHONE.agent,
      ip_address: PHONE.from,
      current: false,
    });
    // A refresh from elsewhere is recorded as the session's latest use.
    const refreshed = await call('POST', '/auth/refresh', TABLET, {
      body: { refresh_token: phone.refresh_token },
    });
    expect(refreshed.status, refreshed.text).toBe(200);
    const after = (await devices(desk.token)).find((row) => row.id === sid(phone.token));
    expect(after).toMatchObject({ user_agent: TABLET.agent, ip_address: TABLET.from });
    expect(Date.parse(after?.last_used_at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(after?.created_at ?? ''),
    );
  });

  it('ends one device: its tokens are refused at the gateway; another account cannot end it', async () => {
    const owner = await account();
    const desk = await signIn(DESK, owner);
    const phone = await signIn(PHONE, owner);
    const stranger = await signIn(DESK, await account());
    expect(await gatewayStatus(phone.token)).toBe(404);

    const theirs = await call('DELETE', `/auth/sessions/${sid(phone.token)}`, DESK, {
      token: stranger.token,
    });
    expect(theirs.status).toBe(404);
    expect(theirs.json()).toEqual({ error: 'Session not found', code: 'SESSION_NOT_FOUND' });
    expect(
      (await call('DELETE', '/auth/sessions/not-a-uuid', DESK, { token: desk.token })).status,
    ).toBe(404);

    const ended = await call('DELETE', `/auth/sessions/${sid(phone.token)}`, DESK, {
      token: desk.token,
    });
    expect(ended.status, ended.text).toBe(200);
    expect(ended.json()).toEqual({ message: 'Session ended', code: 'SESSION_ENDED' });
    await refusedAtGateway(phone.token);
    const refresh = await call('POST', '/auth/refresh', PHONE, {
      body: { refresh_token: phone.refresh_token },
    });
    expect(refresh.status).toBe(401);
    expect(await gatewayStatus(desk.token)).toBe(404);
    expect((await devices(desk.token)).map((row) => row.id)).toEqual([sid(desk.token)]);
    expect(await logged('session_ended', desk.user.id)).toHaveLength(1);
  });

  it('logout without a body ends only this session and answers as before', async () => {
    const owner = await account();
    const desk = await signIn(DESK, owner);
    const phone = await signIn(PHONE, owner);
    const out = await call('POST', '/auth/logout', DESK, { token: desk.token });
    expect(out.status, out.text).toBe(200);
    expect(out.json()).toEqual({ message: 'Logged out', code: 'LOGOUT_SUCCESS' });
    await refusedAtGateway(desk.token);
    expect(await gatewayStatus(phone.token)).toBe(404);
  });

  it('logout with scope "others" ends every other session; "global" ends them all', async () => {
    const owner = await account();
    const desk = await signIn(DESK, owner);
    const phone = await signIn(PHONE, owner);
    const tablet = await signIn(TABLET, owner);
    const bad = await call('POST', '/auth/logout', DESK, {
      token: desk.token,
      body: { scope: 'everyone' },
    });
    expect(bad.status).toBe(400);

    const others = await call('POST', '/auth/logout', DESK, {
      token: desk.token,
      body: { scope: 'others' },
    });
    expect(others.status, others.text).toBe(200);
    expect(others.json()).toEqual({
      message: 'Logged out',
      code: 'LOGOUT_SUCCESS',
      sessions_revoked: 2,
    });
    await refusedAtGateway(phone.token);
    await refusedAtGateway(tablet.token);
    expect(await gatewayStatus(desk.token)).toBe(404);

    const again = await signIn(PHONE, owner);
    const global = await call('POST', '/auth/logout', DESK, {
      token: desk.token,
      body: { scope: 'global' },
    });
    expect(global.json()).toMatchObject({ sessions_revoked: 2 });
    await refusedAtGateway(desk.token);
    await refusedAtGateway(again.token);
  });
});

/** The authenticator app: codes for the secret enrolment answered. */
function authenticator(secret: string) {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 });
  return {
    now: () => totp.generate(),
    // A code is accepted once; the next step's code (within the accepted drift) is a new one.
    next: () => totp.generate({ timestamp: Date.now() + 30_000 }),
  };
}

async function enrol(device: Device, credential: { token?: string; enrolment_token?: string }) {
  const started = await call('POST', '/auth/mfa/totp', device, {
    ...(credential.token ? { token: credential.token } : {}),
    ...(credential.enrolment_token
      ? { body: { enrolment_token: credential.enrolment_token } }
      : {}),
  });
  expect(started.status, started.text).toBe(200);
  const enrolment = started.json<{ secret: string; otpauth_uri: string; qr_code: string }>();
  expect(enrolment.otpauth_uri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
  expect(enrolment.qr_code).toMatch(/^data:image\/png;base64,/);
  return { app: authenticator(enrolment.secret), enrolment };
}

describe('two-step sign-in (TOTP)', () => {
  const owner = { email: '', password: '' };
  let recovery: string[] = [];
  let userId = 0;

  it('enrol, confirm with a code: then login answers MFA_REQUIRED and /login/mfa the login body', async () => {
    Object.assign(owner, await account());
    const session = await signIn(DESK, owner);
    userId = session.user.id;
    const plain = Object.keys(session).sort();
    expect(plain).toEqual(LOGIN_KEYS);
    const { app } = await enrol(DESK, { token: session.token });

    // Not active before it is confirmed.
    expect((await loginFrom(DESK, owner.email, owner.password)).status).toBe(200);
    const wrong = await call('POST', '/auth/mfa/totp/confirm', DESK, {
      token: session.token,
      body: { code: app.now() === '000000' ? '111111' : '000000' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json()).toEqual({ error: 'The code is not valid', code: 'INVALID_MFA_CODE' });
    const confirmed = await call('POST', '/auth/mfa/totp/confirm', DESK, {
      token: session.token,
      body: { code: app.now() },
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    recovery = confirmed.json<{ recovery_codes: string[] }>().recovery_codes;
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    // Stored hashed, the secret encrypted: neither appears in the database as shown.
    const { rows } = await auth.db.query<{ secret_encrypted: string }>(
      'SELECT secret_encrypted FROM mfa_totp WHERE user_id = $1',
      [userId],
    );
    expect(rows[0]?.secret_encrypted).not.toContain(app.now());
    expect(JSON.stringify(rows)).not.toContain(recovery[0]);

    const first = await loginFrom(DESK, owner.email, owner.password);
    expect(first.status).toBe(401);
    const challenge = first.json<{ error: string; code: string; mfa_token: string }>();
    expect(challenge.code).toBe('MFA_REQUIRED');
    expect(challenge.error).toBe('A code from your authenticator app is required');
    expect(challenge.mfa_token).toMatch(/^[\w-]{40,}$/);

    const second = await call('POST', '/auth/login/mfa', DESK, {
      body: { mfa_token: challenge.mfa_token, code: app.next() },
    });
    expect(second.status, second.text).toBe(200);
    const completed = second.json<Session>();
    expect(Object.keys(completed).sort()).toEqual(LOGIN_KEYS);
    expect(completed.user).toEqual(session.user);
    expect(await gatewayStatus(completed.token)).toBe(404);

    // Single use.
    const replay = await call('POST', '/auth/login/mfa', DESK, {
      body: { mfa_token: challenge.mfa_token, code: app.next() },
    });
    expect(replay.status).toBe(401);
    expect(replay.json()).toMatchObject({ code: 'MFA_TOKEN_INVALID' });
    // An access token is no mfa_token.
    const forged = await call('POST', '/auth/login/mfa', DESK, {
      body: { mfa_token: completed.token, code: app.next() },
    });
    expect(forged.json()).toMatchObject({ code: 'MFA_TOKEN_INVALID' });
  });

  it('wrong codes count as wrong passwords: logged, then the account is locked for that address', async () => {
    const guesser: Device = { from: '203.0.113.50', agent: 'Guesser/1' };
    const challenge = (await loginFrom(guesser, owner.email, owner.password)).json<{
      mfa_token: string;
    }>();
    const answers: Answer[] = [];
    for (const code of ['000001', '000002', '000003', '000004']) {
      answers.push(
        await call('POST', '/auth/login/mfa', guesser, {
          body: { mfa_token: challenge.mfa_token, code },
        }),
      );
    }
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 429]);
    expect(answers[0]?.json()).toEqual({
      error: 'The code is not valid',
      code: 'INVALID_MFA_CODE',
    });
    expect(answers[3]?.json()).toMatchObject({ code: 'ACCOUNT_LOCKED' });
    expect(Number(answers[3]?.headers['retry-after'])).toBeGreaterThan(0);
    // Locked for that address like password guessing: the right password is refused there too.
    expect((await loginFrom(guesser, owner.email, owner.password)).status).toBe(429);
    const failures = await logged('mfa_failed', userId);
    expect(failures.filter((row) => row.ip_address === guesser.from)).toHaveLength(4);
    expect(await logged('account_locked', userId)).toHaveLength(1);
  });

  it('a recovery code signs in once; a recovery code turns it off', async () => {
    const useCode = async (code: string) => {
      const challenge = (await loginFrom(PHONE, owner.email, owner.password)).json<{
        mfa_token: string;
      }>();
      return call('POST', '/auth/login/mfa', PHONE, {
        body: { mfa_token: challenge.mfa_token, code },
      });
    };
    const first = await useCode(recovery[0]?.toUpperCase() ?? '');
    expect(first.status, first.text).toBe(200);
    expect(Object.keys(first.json()).sort()).toEqual(LOGIN_KEYS);
    expect((await useCode(recovery[0] ?? '')).status).toBe(401);
    expect(await logged('mfa_recovery_code_used', userId)).toHaveLength(1);

    const session = first.json<Session>();
    const status = await call('GET', '/auth/mfa', PHONE, { token: session.token });
    expect(status.json()).toEqual({ totp_enabled: true, recovery_codes_left: 9, required: false });
    const off = await call('POST', '/auth/mfa/totp/disable', PHONE, {
      token: session.token,
      body: { code: recovery[1] },
    });
    expect(off.status, off.text).toBe(200);
    // Without an authenticator, sign-in is one step again.
    const plain = await loginFrom(PHONE, owner.email, owner.password);
    expect(plain.status).toBe(200);
    expect(Object.keys(plain.json()).sort()).toEqual(LOGIN_KEYS);
  });
});

describe('ADMIN_MFA_REQUIRED', () => {
  it("an admin without an authenticator may only enrol, then signs in; and can end a user's sessions", async () => {
    const admin = {
      email: `chief${String(process.pid)}@example.com`,
      password: 'the admin password',
    };
    await ensureAdmin(auth.accounts.pool, auth.accounts.hasher, admin, {
      onlyIfNoAdmin: false,
      passwordMinLength: 8,
    });
    const refused = await loginFrom(DESK, admin.email, admin.password);
    expect(refused.status).toBe(403);
    const body = refused.json<{ code: string; enrolment_token: string }>();
    expect(body.code).toBe('MFA_ENROLMENT_REQUIRED');
    expect(Object.keys(body).sort()).toEqual(['code', 'enrolment_token', 'error', 'expires_in']);
    // The enrolment token is no access token anywhere.
    const asBearer = await call('GET', '/auth/admin/users', DESK, { token: body.enrolment_token });
    expect(asBearer.status).toBe(401);
    expect(await gatewayStatus(body.enrolment_token)).toBe(401);

    const { app } = await enrol(DESK, { enrolment_token: body.enrolment_token });
    const confirmed = await call('POST', '/auth/mfa/totp/confirm', DESK, {
      body: { code: app.now(), enrolment_token: body.enrolment_token },
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    const done = confirmed.json<{ recovery_codes: string[]; session: Session }>();
    expect(done.recovery_codes).toHaveLength(10);
    expect(Object.keys(done.session).sort()).toEqual(LOGIN_KEYS);
    expect(done.session.user.role).toBe('admin');
    const adminToken = done.session.token;
    expect((await call('GET', '/auth/admin/users', DESK, { token: adminToken })).status).toBe(200);
    // The enrolment token was spent; the next sign-in asks for a code.
    const reuse = await call('POST', '/auth/mfa/totp', DESK, {
      body: { enrolment_token: body.enrolment_token },
    });
    expect(reuse.json()).toMatchObject({ code: 'MFA_TOKEN_INVALID' });
    expect((await loginFrom(DESK, admin.email, admin.password)).json()).toMatchObject({
      code: 'MFA_REQUIRED',
    });

    // The admin ends every session of a user.
    const owner = await account();
    const desk = await signIn(DESK, owner);
    const phone = await signIn(PHONE, owner);
    const byUser = await call(
      'DELETE',
      `/auth/admin/users/${String(desk.user.id)}/sessions`,
      DESK,
      {
        token: desk.token,
      },
    );
    expect(byUser.status).toBe(403);
    const ended = await call('DELETE', `/auth/admin/users/${String(desk.user.id)}/sessions`, DESK, {
      token: adminToken,
    });
    expect(ended.status, ended.text).toBe(200);
    expect(ended.json()).toEqual({
      message: 'Sessions ended',
      code: 'SESSIONS_REVOKED',
      sessions_revoked: 2,
    });
    await refusedAtGateway(desk.token);
    await refusedAtGateway(phone.token);
    expect(await logged('sessions_revoked_by_admin', desk.user.id)).toHaveLength(1);
    const missing = await call('DELETE', '/auth/admin/users/999999/sessions', DESK, {
      token: adminToken,
    });
    expect(missing.status).toBe(404);
  });
});
