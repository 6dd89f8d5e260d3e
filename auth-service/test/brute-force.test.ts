/**
 * Password guessing through the real gateway and auth-service, each listening on a port; the
 * gateway trusts the loopback proxy (the test), so X-Forwarded-For names the client address
 * auth-service sees. docs/security.md describes the design these tests hold it to.
 */
import type { IncomingHttpHeaders } from 'node:http';
import bcrypt from 'bcrypt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { buildGateway, upstreamEnv } from '../../gateway/test/support/gateway.js';
import { listen, send, type Answer } from '../../gateway/test/support/http.js';
import { ensureAdmin } from '../src/domain/admin-bootstrap.js';
import { build, newUser, type App } from './helper.js';

const LOCKED = {
  error: 'Account temporarily locked after too many failed logins',
  code: 'ACCOUNT_LOCKED',
};
const RATE_LIMITED = {
  error: 'Too many login attempts, try again later',
  code: 'LOGIN_RATE_LIMITED',
};
const WRONG = { error: 'Credenziali errate', code: 'INVALID_CREDENTIALS' };
const ACCOUNT_LIMIT = 8;
const ADDRESS_LIMIT = 10;

let auth: App;
let gateway: ServiceApp;
let base: string;

beforeAll(async () => {
  auth = await build({
    LOCKOUT_THRESHOLD: '5',
    ACCOUNT_FAILURE_LIMIT: String(ACCOUNT_LIMIT),
    ADDRESS_FAILURE_LIMIT: String(ADDRESS_LIMIT),
  });
  const authUrl = await listen(auth);
  gateway = await buildGateway(upstreamEnv(authUrl));
  base = await listen(gateway);
}, 120_000);
afterAll(async () => {
  await gateway.close();
  await auth.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

function call(
  method: string,
  path: string,
  from: string,
  body: unknown,
  token?: string,
): Promise<Answer> {
  return send(base, {
    method,
    path,
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': from,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

const loginFrom = (from: string, email: string, password: string) =>
  call('POST', '/auth/login', from, { email, password });

/** A registered account (through the gateway) with its password. */
async function account(): Promise<{ email: string; password: string }> {
  const user = newUser();
  const registered = await call('POST', '/auth/register', '192.0.2.200', user);
  expect(registered.status, registered.text).toBe(201);
  return { email: user.email, password: user.password };
}

/**
 * What a client can compare between two answers: status, body and every header, less those
 * that differ between any two requests (the date, the request id, the rate-limit reset
 * instant). Retry-After is compared as present or absent: its value counts down.
 */
function observable(answer: Answer) {
  const headers: IncomingHttpHeaders = { ...answer.headers };
  for (const name of ['date', 'x-request-id', 'ratelimit-reset', 'retry-after']) {
    Reflect.deleteProperty(headers, name);
  }
  return {
    status: answer.status,
    body: answer.text,
    headers,
    retryAfter: answer.headers['retry-after'] !== undefined,
  };
}

/** bcrypt comparisons made while `step` runs, with the cost of each hash compared against. */
async function comparisons(
  step: () => Promise<Answer>,
): Promise<{ answer: Answer; costs: number[] }> {
  const spy = vi.spyOn(bcrypt, 'compare');
  try {
    const answer = await step();
    const costs = spy.mock.calls.map((args) => bcrypt.getRounds(args[1]));
    return { answer, costs };
  } finally {
    spy.mockRestore();
  }
}

async function logged(action: string, userId: number) {
  const { rows } = await auth.db.query<{ ip_address: string }>(
    'SELECT ip_address FROM auth_logs WHERE action = $1 AND user_id = $2 ORDER BY id',
    [action, userId],
  );
  return rows.map((row) => row.ip_address);
}

describe('no lockout lever', () => {
  it('six wrong passwords from one address do not keep the admin out from another', async () => {
    const admin = { email: 'chief@example.com', password: 'the admin password' };
    await ensureAdmin(auth.accounts.pool, auth.accounts.hasher, admin, {
      onlyIfNoAdmin: false,
      passwordMinLength: 8,
    });
    const answers: Answer[] = [];
    for (let i = 0; i < 6; i++) answers.push(await loginFrom('203.0.113.9', admin.email, 'guess'));
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    expect(answers[5]?.status).toBe(429);
    expect(answers[5]?.json()).toEqual(LOCKED);
    expect(Number(answers[5]?.headers['retry-after'])).toBeGreaterThan(0);

    // The real admin, right password, another address: in.
    const owner = await loginFrom('198.51.100.7', admin.email, admin.password);
    expect(owner.status, owner.text).toBe(200);
    expect(owner.json<{ user: { role: string } }>().user.role).toBe('admin');
    // The guesser's address stays locked for that account, right password or not.
    expect((await loginFrom('203.0.113.9', admin.email, admin.password)).status).toBe(429);
  });
});

describe('no account oracle', () => {
  it('an unknown identifier is answered exactly as a known one at every step, after the same bcrypt work', async () => {
    const known = await account();
    const unknown = `nobody-${String(process.pid)}@example.com`;
    // Two addresses that have done nothing else, so the gateway's counters match too.
    const steps = [];
    for (let i = 0; i < 7; i++) {
      const a = await comparisons(() => loginFrom('203.0.113.31', known.email, 'guess'));
      const b = await comparisons(() => loginFrom('203.0.113.32', unknown, 'guess'));
      expect(observable(b.answer), `step ${String(i + 1)}`).toEqual(observable(a.answer));
      expect(b.costs, `step ${String(i + 1)}`).toEqual(a.costs);
      steps.push({ status: a.answer.status, costs: a.costs });
    }
    // Five answered after one comparison at the configured cost, then refused before any.
    const cost = bcrypt.getRounds(await auth.accounts.hasher.hash('x'));
    expect(steps).toEqual([
      ...Array.from({ length: 5 }, () => ({ status: 401, costs: [cost] })),
      ...Array.from({ length: 2 }, () => ({ status: 429, costs: [] })),
    ]);
    // Both logged, the unknown one with the identifier tried.
    const { rows } = await auth.db.query<{ action: string }>(
      "SELECT action FROM auth_logs WHERE user_email = $1 AND ip_address = '203.0.113.32'",
      [unknown],
    );
    expect(rows.map((row) => row.action)).toEqual([
      ...Array.from({ length: 5 }, () => 'login_failed_user_not_found'),
      ...Array.from({ length: 2 }, () => 'login_blocked_locked'),
    ]);
  });

  it('guessing spread over many addresses is capped alike for both, and the owner still gets in from a known address', async () => {
    const known = await account();
    const unknown = `no-one-${String(process.pid)}@example.com`;
    // The owner signs in once from home: that address becomes known.
    expect((await loginFrom('198.51.100.40', known.email, known.password)).status).toBe(200);
    for (let i = 0; i < ACCOUNT_LIMIT; i++) {
      const a = await comparisons(() => loginFrom(`203.0.114.${String(i)}`, known.email, 'guess'));
      const b = await comparisons(() => loginFrom(`203.0.115.${String(i)}`, unknown, 'guess'));
      expect(a.answer.json()).toEqual(WRONG);
      expect(observable(b.answer)).toEqual(observable(a.answer));
      expect(b.costs).toEqual(a.costs);
    }
    // Past the account-wide limit, a new address is refused before the password is checked...
    const a = await comparisons(() => loginFrom('203.0.114.99', known.email, known.password));
    const b = await comparisons(() => loginFrom('203.0.115.99', unknown, known.password));
    expect(a.answer.status).toBe(429);
    expect(a.answer.json()).toEqual(LOCKED);
    expect(a.costs).toEqual([]);
    expect(observable(b.answer)).toEqual(observable(a.answer));
    expect(b.costs).toEqual([]);
    // ...while the owner's known address is let in.
    const owner = await loginFrom('198.51.100.40', known.email, known.password);
    expect(owner.status, owner.text).toBe(200);
  });
});

describe('per-address limit across accounts', () => {
  it('one address guessing at many accounts is stopped; the accounts are not', async () => {
    const victims = await Promise.all(Array.from({ length: 3 }, () => account()));
    const targets = [
      ...victims.map((victim) => victim.email),
      ...Array.from({ length: ADDRESS_LIMIT - 3 }, (_, i) => `ghost${String(i)}@example.com`),
    ];
    for (const target of targets) {
      expect((await loginFrom('192.0.2.77', target, 'guess')).status).toBe(401);
    }
    const [first] = victims;
    if (!first) throw new Error('no victim');
    // Even the right password is refused from that address, for any account...
    for (const identifier of [first.email, 'someone-else@example.com']) {
      const refused = await loginFrom('192.0.2.77', identifier, first.password);
      expect(refused.status).toBe(429);
      expect(refused.json()).toEqual(RATE_LIMITED);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
    // ...and every account still opens from elsewhere.
    for (const victim of victims) {
      expect((await loginFrom('192.0.2.78', victim.email, victim.password)).status).toBe(200);
    }
  });
});

describe('PUT /me/password', () => {
  it('wrong current passwords are throttled like logins and written to auth_logs', async () => {
    const owner = await account();
    const signedIn = await loginFrom('198.51.100.60', owner.email, owner.password);
    const { token, user } = signedIn.json<{ token: string; user: { id: number } }>();
    const change = (from: string, current: string) =>
      call(
        'PUT',
        '/auth/me/password',
        from,
        { current_password: current, new_password: 'a brand new one' },
        token,
      );

    for (let i = 0; i < 5; i++) {
      const wrong = await change('203.0.113.60', 'guess');
      expect(wrong.status).toBe(400);
      expect(wrong.json()).toMatchObject({ code: 'INVALID_CURRENT_PASSWORD' });
    }
    const refused = await comparisons(() => change('203.0.113.60', owner.password));
    expect(refused.answer.status).toBe(429);
    expect(refused.answer.json()).toEqual(LOCKED);
    expect(refused.answer.headers['retry-after']).toBeDefined();
    expect(refused.costs).toEqual([]);
    // Counted as wrong logins from that address, too.
    expect((await loginFrom('203.0.113.60', owner.email, owner.password)).status).toBe(429);

    const failed = await logged('password_change_failed', user.id);
    expect(failed).toEqual(Array.from({ length: 6 }, () => '203.0.113.60'));
    expect(await logged('account_locked', user.id)).toEqual(['203.0.113.60']);

    // The owner, from their own address, changes it.
    const changed = await change('198.51.100.60', owner.password);
    expect(changed.status, changed.text).toBe(200);
  });
});
