import { ApiClient } from './api/client.js';
import { createApi } from './api/endpoints.js';
import { readJson, send } from './api/http.js';
import { Session, type TabChannel, type TabMessage, type TokenStorage } from './api/session.js';
import type { SessionReply } from './api/types.js';

/** sessionStorage, or memory where the browser refuses storage (some private modes). */
function tabStorage(): TokenStorage {
  try {
    const storage = window.sessionStorage;
    const probe = 'cloud-backend.probe';
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return storage;
  } catch {
    const memory = new Map<string, string>();
    return {
      getItem: (key) => memory.get(key) ?? null,
      setItem: (key, value) => memory.set(key, value),
      removeItem: (key) => memory.delete(key),
    };
  }
}

function tabChannel(): TabChannel | undefined {
  if (typeof BroadcastChannel === 'undefined') return undefined;
  const channel = new BroadcastChannel('cloud-backend.session');
  return {
    post: (message) => {
      channel.postMessage(message);
    },
    subscribe: (listener) => {
      const handler = (event: MessageEvent<TabMessage>) => {
        listener(event.data);
      };
      channel.addEventListener('message', handler);
      return () => {
        channel.removeEventListener('message', handler);
      };
    },
  };
}

const fetchImpl = (input: string, init?: RequestInit) => window.fetch(input, init);

/** The one session of this tab, and the API client that uses it. */
export const session = new Session({
  storage: tabStorage(),
  channel: tabChannel(),
  refresh: async (refresh_token) =>
    readJson<SessionReply>(
      await send(fetchImpl, 'POST', '/auth/refresh', { body: { refresh_token } }),
    ),
});

export const api = createApi(new ApiClient(session, fetchImpl));

// A background tab's timer may fire late or not at all: check again when it is shown.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') void session.validAccessToken();
});
