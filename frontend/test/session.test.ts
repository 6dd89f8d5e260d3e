import { describe, expect, it, vi } from 'vitest';
import { ApiError, NETWORK_ERROR } from '../src/api/errors.js';
import {
  REFRESH_TOKEN_KEY,
  refreshMargin,
  Session,
  TAB_ID_KEY,
  type SessionOptions,
} from '../src/api/session.js';
import type { SessionReply } from '../src/api/types.js';
import { FakeBroadcast, FakeClock, flush, MemoryStorage, sessionReply } from './support/fakes.js';

let tabs = 0;

function setup(options: Partial<SessionOptions> & { storage?: MemoryStorage } = {}) {
  const clock = new FakeClock();
  const storage = options.storage ?? new MemoryStorage();
  const refresh = vi.fn<(token: string) => Promise<SessionReply>>(() =>
    Promise.resolve(sessionReply()),
  );
  const session = new Session({
    storage,
    clock,
    refresh,
    newTabId: () => `tab-${String(++tabs)}`,
    ...options,
  });
  return { clock, storage, refresh, session };
}

const reused = new ApiError(
  401,
  'REFRESH_TOKEN_REUSED',
  'Refresh token was already used; the session has been revoked',
);

describe('Session: where the tokens live', () => {
  it('keeps the access token in memory and only the refresh token in sessionStorage', () => {
    const { session, storage } = setup();
    const reply = sessionReply();
    session.start(reply);

    expect(session.accessToken).toBe(reply.access_token);
    expect(session.user).toEqual(reply.user);
    expect(session.current.status).toBe('signed-in');
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBe(reply.refresh_token);
    // Nothing else but the tab's id is stored; the access token never is.
    expect([...storage.items.keys()].sort()).toEqual([REFRESH_TOKEN_KEY, TAB_ID_KEY].sort());
    expect([...storage.items.values()]).not.toContain(reply.access_token);
  });

  it('logout forgets both tokens and stops the refresh timer', () => {
    const { session, storage, clock, refresh } = setup();
    session.start(sessionReply());
    session.end('logout');

    expect(session.accessToken).toBeNull();
    expect(session.user).toBeNull();
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
    expect(session.current).toEqual({ status: 'signed-out', user: null, ended: null });
    clock.advance(10 * 3600_000);
    expect(refresh).not.toHaveBeenCalled();
  });
});

describe('Session: silent refresh', () => {
  it('refreshes a minute before a long-lived access token expires', async () => {
    const { session, storage, clock, refresh } = setup();
    const first = sessionReply({ expires_in: 3600 });
    const second = sessionReply({ expires_in: 3600 });
    refresh.mockResolvedValueOnce(second);
    session.start(first);

    clock.advance(3600_000 - 60_000 - 1);
    expect(refresh).not.toHaveBeenCalled();
    clock.advance(1);
    expect(refresh).toHaveBeenCalledExactlyOnceWith(first.refresh_token);
    await flush();

    expect(session.accessToken).toBe(second.access_token);
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBe(second.refresh_token);
    // …and the next refresh is scheduled for the new token.
    expect(clock.pending).toBe(1);
  });

  it('refreshes a short-lived token at four fifths of its life', () => {
    expect(refreshMargin(60)).toBe(12_000);
    expect(refreshMargin(86_400)).toBe(60_000);
    const { session, clock, refresh } = setup();
    session.start(sessionReply({ expires_in: 60 }));
    clock.advance(47_999);
    expect(refresh).not.toHaveBeenCalled();
    clock.advance(1);
    expect(refresh).toHaveBeenCalledOnce();
  });

  it('spends a refresh token once, however many callers ask at the same time', async () => {
    const { session, refresh } = setup();
    const first = sessionReply();
    session.start(first);
    let answer!: (reply: SessionReply) => void;
    refresh.mockImplementationOnce(
      () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
    );

    const results = Promise.all([session.refresh(), session.refresh(), session.refresh()]);
    answer(sessionReply());
    expect(await results).toEqual([true, true, true]);
    expect(refresh).toHaveBeenCalledExactlyOnceWith(first.refresh_token);
  });

  it('refreshes before handing out a token that is due (a timer that fired late)', async () => {
    const { session, clock, refresh } = setup();
    const first = sessionReply({ expires_in: 3600 });
    const second = sessionReply();
    refresh.mockResolvedValueOnce(second);
    session.start(first);
    expect(await session.validAccessToken()).toBe(first.access_token);

    // A background tab: the clock moved but the timer has not run.
    clock.time += 3600_000;
    expect(await session.validAccessToken()).toBe(second.access_token);
    expect(refresh).toHaveBeenCalledOnce();
  });

  it('ends the session with the API message when the refresh token is refused', async () => {
    const { session, storage, refresh } = setup();
    session.start(sessionReply());
    refresh.mockRejectedValueOnce(reused);

    expect(await session.refresh()).toBe(false);
    expect(session.accessToken).toBeNull();
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
    expect(session.lastRefreshError).toBe(reused);
    expect(session.current.ended).toEqual({
      reason: 'expired',
      message:
        'Refresh token was already used; the session has been revoked. Please sign in again.',
      code: 'REFRESH_TOKEN_REUSED',
    });
  });

  it('keeps the session and tries again later when the refresh gets no answer', async () => {
    const { session, storage, clock, refresh } = setup({ retryMs: 15_000 });
    const first = sessionReply({ expires_in: 3600 });
    session.start(first);
    refresh.mockRejectedValueOnce(new ApiError(0, NETWORK_ERROR, 'offline'));
    refresh.mockRejectedValueOnce(new ApiError(503, 'DATABASE_UNAVAILABLE', 'down'));

    clock.advance(3540_000);
    await flush();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(session.accessToken).toBe(first.access_token);
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBe(first.refresh_token);

    clock.advance(15_000);
    await flush();
    expect(refresh).toHaveBeenCalledTimes(2);
    expect(session.current.status).toBe('signed-in');

    clock.advance(15_000);
    await flush();
    expect(refresh).toHaveBeenCalledTimes(3);
    expect(session.accessToken).not.toBe(first.access_token);
  });

  it('does not sign back in when a refresh answers after a logout', async () => {
    const { session, storage, refresh } = setup();
    session.start(sessionReply());
    let answer!: (reply: SessionReply) => void;
    refresh.mockImplementationOnce(
      () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
    );
    const pending = session.refresh();
    session.end('logout');
    answer(sessionReply());
    await pending;

    expect(session.accessToken).toBeNull();
    expect(session.current.status).toBe('signed-out');
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
  });

  it('after a 401, refreshes once unless another request already replaced the token', async () => {
    const { session, refresh } = setup();
    const first = sessionReply();
    session.start(first);
    expect(await session.recover(first.access_token)).toBe(true);
    expect(refresh).toHaveBeenCalledOnce();
    // A second request that was sent with the old token: the new one is already there.
    expect(await session.recover(first.access_token)).toBe(true);
    expect(refresh).toHaveBeenCalledOnce();
  });
});

describe('Session: page load', () => {
  it('a reload spends the stored refresh token for a new access token', async () => {
    const { session, storage, refresh } = setup();
    storage.setItem(REFRESH_TOKEN_KEY, 'stored-refresh');
    const states: string[] = [];
    session.subscribe((state) => states.push(state.status));

    expect(await session.restore()).toBe(true);
    expect(refresh).toHaveBeenCalledExactlyOnceWith('stored-refresh');
    expect(states).toEqual(['restoring', 'signed-in']);
    expect(session.accessToken).not.toBeNull();
  });

  it('without a stored refresh token, stays signed out and calls nothing', async () => {
    const { session, refresh } = setup();
    expect(await session.restore()).toBe(false);
    expect(refresh).not.toHaveBeenCalled();
    expect(session.current.status).toBe('signed-out');
  });

  it('a duplicated tab leaves the copied refresh token to the tab it was copied from', async () => {
    const broadcast = new FakeBroadcast();
    const clock = new FakeClock();
    const original = setup({ channel: broadcast.join(), clock });
    original.session.start(sessionReply());
    const copiedToken = original.storage.getItem(REFRESH_TOKEN_KEY);

    // The browser copies sessionStorage into the duplicate before its page loads.
    const copied = new MemoryStorage();
    for (const [key, value] of original.storage.items) copied.setItem(key, value);
    const duplicate = setup({ channel: broadcast.join(), clock, storage: copied });
    const restored = duplicate.session.restore();
    await flush();
    clock.advance(1000);

    expect(await restored).toBe(false);
    expect(duplicate.refresh).not.toHaveBeenCalled();
    expect(duplicate.storage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
    expect(duplicate.storage.getItem(TAB_ID_KEY)).not.toBe(original.storage.getItem(TAB_ID_KEY));
    expect(duplicate.session.current.ended?.reason).toBe('duplicate-tab');
    // The original keeps its session and its token.
    expect(original.storage.getItem(REFRESH_TOKEN_KEY)).toBe(copiedToken);
    expect(original.session.current.status).toBe('signed-in');
  });

  it('a reloaded tab (nobody else claims its id) restores its session', async () => {
    const broadcast = new FakeBroadcast();
    const clock = new FakeClock();
    const other = setup({ channel: broadcast.join(), clock });
    other.session.start(sessionReply()); // another signed-in tab, with its own id
    const storage = new MemoryStorage();
    storage.setItem(TAB_ID_KEY, 'tab-reloaded');
    storage.setItem(REFRESH_TOKEN_KEY, 'refresh-of-this-tab');
    const reloaded = setup({ channel: broadcast.join(), clock, storage });

    const restored = reloaded.session.restore();
    await flush();
    clock.advance(200);
    expect(await restored).toBe(true);
    expect(reloaded.refresh).toHaveBeenCalledExactlyOnceWith('refresh-of-this-tab');
    expect(reloaded.storage.getItem(TAB_ID_KEY)).toBe('tab-reloaded');
  });
});
