import { describe, expect, it, vi } from 'vitest';
import { ApiClient, filenameOf, NOT_SIGNED_IN } from '../src/api/client.js';
import { createApi, loginBody } from '../src/api/endpoints.js';
import { ApiError, errorFromBody, NETWORK_ERROR } from '../src/api/errors.js';
import { withQuery } from '../src/api/http.js';
import { REFRESH_TOKEN_KEY, Session } from '../src/api/session.js';
import type { SessionReply } from '../src/api/types.js';
import { FakeClock, jsonResponse, MemoryStorage, sessionReply } from './support/fakes.js';

interface Call {
  method: string;
  url: string;
  authorization: string | null;
  body: unknown;
}

/** A fetch that records each call and answers from `handler`. */
function fakeFetch(handler: (call: Call) => Response | Promise<Response>) {
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
    return handler(call);
  });
  return { fetch, calls };
}

const jwtInvalid = { error: 'Token non valido o mancante', code: 'JWT_INVALID' };

function setup(handler: (call: Call) => Response | Promise<Response>) {
  const { fetch, calls } = fakeFetch(handler);
  const storage = new MemoryStorage();
  const refresh = vi.fn<(token: string) => Promise<SessionReply>>();
  const session = new Session({ storage, refresh, clock: new FakeClock() });
  const api = createApi(new ApiClient(session, fetch));
  return { api, session, storage, refresh, fetch, calls };
}

describe('ApiClient', () => {
  it('sends the access token on authenticated calls and none on public ones', async () => {
    const reply = sessionReply();
    const { api, session, calls } = setup((call) =>
      call.url === '/auth/login' ? jsonResponse(200, reply) : jsonResponse(200, { ok: true }),
    );
    session.start(await api.login('ada@example.com', 'pass word '));
    await api.me();

    expect(calls[0]).toEqual({
      method: 'POST',
      url: '/auth/login',
      authorization: null,
      // The password goes exactly as typed: never trimmed.
      body: { email: 'ada@example.com', password: 'pass word ' },
    });
    expect(calls[1]).toMatchObject({
      method: 'GET',
      url: '/auth/me',
      authorization: `Bearer ${reply.access_token}`,
    });
  });

  it('logs in by username when the identifier has no "@"', () => {
    expect(loginBody(' ada ', 'x')).toEqual({ username: 'ada', password: 'x' });
    expect(loginBody('a@b.it', 'x')).toEqual({ email: 'a@b.it', password: 'x' });
  });

  it('on a 401, refreshes once and repeats the call once with the new token', async () => {
    const first = sessionReply();
    const second = sessionReply();
    const { api, session, refresh, calls } = setup((call) =>
      call.authorization === `Bearer ${second.access_token}`
        ? jsonResponse(200, { has_attendance: false, date: '2026-01-01' })
        : jsonResponse(401, jwtInvalid),
    );
    session.start(first);
    refresh.mockResolvedValueOnce(second);

    expect(await api.today()).toEqual({ has_attendance: false, date: '2026-01-01' });
    expect(refresh).toHaveBeenCalledExactlyOnceWith(first.refresh_token);
    expect(calls.map((c) => c.authorization)).toEqual([
      `Bearer ${first.access_token}`,
      `Bearer ${second.access_token}`,
    ]);
  });

  it('retries only once: a second 401 is the answer', async () => {
    const { api, session, refresh, calls } = setup(() => jsonResponse(401, jwtInvalid));
    session.start(sessionReply());
    refresh.mockResolvedValueOnce(sessionReply());

    await expect(api.me()).rejects.toMatchObject({
      status: 401,
      code: 'JWT_INVALID',
      message: 'Token non valido o mancante',
    });
    expect(refresh).toHaveBeenCalledOnce();
    expect(calls).toHaveLength(2);
  });

  it("when the refresh is refused, ends the session and throws the refresh's message", async () => {
    const { api, session, storage, refresh } = setup(() => jsonResponse(401, jwtInvalid));
    session.start(sessionReply());
    const refused = new ApiError(
      401,
      'INVALID_REFRESH_TOKEN',
      'Refresh token is invalid, expired or revoked',
    );
    refresh.mockRejectedValueOnce(refused);

    await expect(api.history({ page: 1, limit: 10 })).rejects.toBe(refused);
    expect(session.current.status).toBe('signed-out');
    expect(session.accessToken).toBeNull();
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
  });

  it('several calls rejected together share one refresh', async () => {
    const first = sessionReply();
    const second = sessionReply();
    const { api, session, refresh } = setup((call) =>
      call.authorization === `Bearer ${second.access_token}`
        ? jsonResponse(200, { events: [], total: 0 })
        : jsonResponse(401, jwtInvalid),
    );
    session.start(first);
    refresh.mockImplementation(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return second;
    });

    const answers = await Promise.all([api.events(), api.events(), api.events()]);
    expect(answers).toEqual([
      { events: [], total: 0 },
      { events: [], total: 0 },
      { events: [], total: 0 },
    ]);
    expect(refresh).toHaveBeenCalledOnce();
  });

  it('refuses an authenticated call when signed out, without a request', async () => {
    const { api, fetch } = setup(() => jsonResponse(200, {}));
    await expect(api.me()).rejects.toMatchObject({ status: 401, code: NOT_SIGNED_IN });
    expect(fetch).not.toHaveBeenCalled();
  });

  it("throws the API's own message and code (Italian included), with its extra keys", async () => {
    const { api } = setup(() =>
      jsonResponse(409, {
        error: 'Hai già registrato la presenza per questo evento',
        code: 'ALREADY_CHECKED_IN',
      }),
    );
    await expect(
      api.register({ email: 'a@b.it', name: 'A', surname: 'B', password: 'x' }),
    ).rejects.toMatchObject({
      status: 409,
      code: 'ALREADY_CHECKED_IN',
      message: 'Hai già registrato la presenza per questo evento',
    });
  });

  it('gives no answer at all a readable network error', async () => {
    const { api } = setup(() => Promise.reject(new TypeError('Failed to fetch')));
    await expect(api.login('a@b.it', 'x')).rejects.toMatchObject({
      status: 0,
      code: NETWORK_ERROR,
      message: 'The server could not be reached. Check the connection and try again.',
    });
  });

  it('builds query strings without the empty filters', async () => {
    const { api, session, calls } = setup(() =>
      jsonResponse(200, { logs: [], total: 0, page: 1, limit: 50 }),
    );
    session.start(sessionReply());
    await api.authLogs({ email: '', success: 'false', action: undefined, page: 2, limit: 50 });
    expect(calls[0]?.url).toBe('/admin/auth-logs?success=false&page=2&limit=50');
    expect(withQuery('/x', { q: 'a b&c', role: null })).toBe('/x?q=a+b%26c');
  });

  it('escapes event ids in paths and sends the status edit body', async () => {
    const { api, session, calls } = setup(() =>
      jsonResponse(200, { message: 'Status updated', event_id: 'x', user: {} }),
    );
    session.start(sessionReply());
    await api.setStatus('a/b c', 12, 'hospital', 'ricovero');
    expect(calls[0]).toMatchObject({
      method: 'PATCH',
      url: '/user/qr/admin/events/a%2Fb%20c/users/12/status',
      body: { status: 'hospital', motivazione: 'ricovero' },
    });
  });

  it('downloads a file with the name from Content-Disposition', async () => {
    const csv = 'user_id,name\n7,Ada\n';
    const { api, session } = setup(
      () =>
        new Response(csv, {
          status: 200,
          headers: {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': 'attachment; filename="attendance-demo-2026-01-01.csv"',
          },
        }),
    );
    session.start(sessionReply());
    const file = await api.exportCsv('demo-2026-01-01');
    expect(file.filename).toBe('attendance-demo-2026-01-01.csv');
    expect(await file.blob.text()).toBe(csv);
  });

  it('a failed download throws the JSON error', async () => {
    const { api, session } = setup(() =>
      jsonResponse(404, { error: 'Event not found', code: 'EVENT_NOT_FOUND' }),
    );
    session.start(sessionReply());
    await expect(api.exportCsv('nope')).rejects.toMatchObject({ code: 'EVENT_NOT_FOUND' });
  });
});

describe('error bodies', () => {
  it('lists validation details after the message', () => {
    const error = errorFromBody(
      400,
      'Bad Request',
      JSON.stringify({
        error: 'Invalid request',
        code: 'VALIDATION_ERROR',
        details: [{ field: 'querystring.success', message: 'must be boolean' }],
      }),
    );
    expect(error.describe()).toBe('Invalid request: querystring.success: must be boolean');
  });

  it('turns a text or HTML body into a short message', () => {
    expect(errorFromBody(502, 'Bad Gateway', 'Gateway error: refused').message).toBe(
      'Gateway error: refused',
    );
    expect(errorFromBody(502, 'Bad Gateway', '<html>…</html>').message).toBe(
      'HTTP 502 Bad Gateway',
    );
    expect(errorFromBody(500, '', '').code).toBe('HTTP_500');
  });

  it('reads file names from Content-Disposition', () => {
    expect(filenameOf('attachment; filename="a.csv"')).toBe('a.csv');
    expect(filenameOf('attachment; filename*=UTF-8\'\'caf%C3%A8.csv; filename="x.csv"')).toBe(
      'cafè.csv',
    );
    expect(filenameOf(null)).toBeNull();
  });
});
