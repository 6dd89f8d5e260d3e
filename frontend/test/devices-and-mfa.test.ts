/**
 * The web app's side of signed-in devices and two-step sign-in: the calls it makes (paths,
 * bodies, which carry the access token and which must not) and how a sign-in answer is read
 * into its next step. The whole flow against the real services is auth-service's
 * devices-and-mfa.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../src/api/client.js';
import { createApi } from '../src/api/endpoints.js';
import { Session } from '../src/api/session.js';
import { deviceName, signInStep } from '../src/api/sign-in.js';
import type { SessionReply } from '../src/api/types.js';
import { FakeClock, jsonResponse, MemoryStorage, sessionReply } from './support/fakes.js';

interface Call {
  method: string;
  url: string;
  authorization: string | null;
  body: unknown;
}

function setup(handler: (call: Call) => Response) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    const call: Call = {
      method: init?.method ?? 'GET',
      url,
      authorization: headers.get('authorization'),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    return Promise.resolve(handler(call));
  });
  const refresh = vi.fn<(token: string) => Promise<SessionReply>>();
  const session = new Session({ storage: new MemoryStorage(), refresh, clock: new FakeClock() });
  return { api: createApi(new ApiClient(session, fetch)), session, calls };
}

describe('sign-in steps', () => {
  it('a plain login is done at once', async () => {
    const reply = sessionReply();
    const { api } = setup(() => jsonResponse(200, reply));
    expect(await signInStep(api.login('ada@example.com', 'pw'))).toEqual({ kind: 'done', reply });
  });

  it('MFA_REQUIRED asks for a code, sent with its mfa_token and no access token', async () => {
    const reply = sessionReply();
    const { api, calls } = setup((call) =>
      call.url === '/auth/login'
        ? jsonResponse(401, { error: 'code needed', code: 'MFA_REQUIRED', mfa_token: 'ticket-1' })
        : jsonResponse(200, reply),
    );
    const step = await signInStep(api.login('ada@example.com', 'pw'));
    expect(step).toEqual({ kind: 'code', mfaToken: 'ticket-1' });
    expect(await api.loginMfa('ticket-1', ' 123456 ')).toEqual(reply);
    expect(calls[1]).toEqual({
      method: 'POST',
      url: '/auth/login/mfa',
      authorization: null,
      body: { mfa_token: 'ticket-1', code: '123456' },
    });
  });

  it('MFA_ENROLMENT_REQUIRED leads to set-up with the enrolment token alone', async () => {
    const { api, calls } = setup((call) =>
      call.url === '/auth/login'
        ? jsonResponse(403, {
            error: 'set one up',
            code: 'MFA_ENROLMENT_REQUIRED',
            enrolment_token: 'enrol-1',
          })
        : call.url === '/auth/mfa/totp'
          ? jsonResponse(200, { secret: 'ABC', otpauth_uri: 'otpauth://totp/x', qr_code: 'data:' })
          : jsonResponse(200, { message: 'on', code: 'MFA_ENABLED', recovery_codes: ['a'] }),
    );
    const step = await signInStep(api.login('boss@example.com', 'pw'));
    expect(step).toEqual({ kind: 'enrol', enrolmentToken: 'enrol-1' });
    await api.startTotp('enrol-1');
    await api.confirmTotp('654321', 'enrol-1');
    expect(calls.slice(1)).toEqual([
      {
        method: 'POST',
        url: '/auth/mfa/totp',
        authorization: null,
        body: { enrolment_token: 'enrol-1' },
      },
      {
        method: 'POST',
        url: '/auth/mfa/totp/confirm',
        authorization: null,
        body: { code: '654321', enrolment_token: 'enrol-1' },
      },
    ]);
  });

  it('any other refusal stays an error to show', async () => {
    const { api } = setup(() =>
      jsonResponse(401, { error: 'Credenziali errate', code: 'INVALID_CREDENTIALS' }),
    );
    await expect(signInStep(api.login('ada@example.com', 'x'))).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
      message: 'Credenziali errate',
    });
  });
});

describe('signed-in devices and the account page', () => {
  it('lists, ends one, ends the others, and sets up or turns off TOTP with the access token', async () => {
    const { api, session, calls } = setup(() => jsonResponse(200, { sessions: [] }));
    const reply = sessionReply();
    session.start(reply);
    await api.sessions();
    await api.endSession('0b6f6c4e-58a3-4b2e-9d47-3f3b0f1d2a10');
    await api.logoutOthers();
    await api.startTotp();
    await api.confirmTotp('111111');
    await api.disableTotp('abcd-efgh-jkmn-pqrs');
    await api.endAccountSessions(42);
    const bearer = `Bearer ${reply.access_token}`;
    expect(calls).toEqual([
      { method: 'GET', url: '/auth/sessions', authorization: bearer, body: undefined },
      {
        method: 'DELETE',
        url: '/auth/sessions/0b6f6c4e-58a3-4b2e-9d47-3f3b0f1d2a10',
        authorization: bearer,
        body: undefined,
      },
      { method: 'POST', url: '/auth/logout', authorization: bearer, body: { scope: 'others' } },
      { method: 'POST', url: '/auth/mfa/totp', authorization: bearer, body: {} },
      {
        method: 'POST',
        url: '/auth/mfa/totp/confirm',
        authorization: bearer,
        body: { code: '111111' },
      },
      {
        method: 'POST',
        url: '/auth/mfa/totp/disable',
        authorization: bearer,
        body: { code: 'abcd-efgh-jkmn-pqrs' },
      },
      { method: 'DELETE', url: '/admin/users/42/sessions', authorization: bearer, body: undefined },
    ]);
  });

  it('names a device from its User-Agent', () => {
    expect(
      deviceName(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      ),
    ).toBe('Chrome on Windows');
    expect(
      deviceName(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari on iOS');
    expect(deviceName('curl/8.5.0')).toBe('curl/8.5.0');
    expect(deviceName(null)).toBe('Unknown device');
  });
});
