import { createParser } from 'eventsource-parser';
import type { Session } from '../api/session.js';

/** The counts every live message carries (user-service/README.md, live check-ins). */
export interface LiveCounts {
  total: number;
  present: number;
  scanned: number;
  by_status: Record<string, number>;
}

/** One check-in or status change. */
export interface LiveChange {
  seq: number;
  event_id: string;
  user: { user_id: number; name: string; surname: string };
  status: string;
  previous_status: string | null;
  scanned_at: string | null;
  changed_at: string;
  counts: LiveCounts;
}

/** The first message of a fresh stream. */
export interface LiveSnapshot {
  event_id: string;
  event_name: string;
  last_seq: number;
  counts: LiveCounts;
  recent: LiveChange[];
}

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

export interface LiveHandlers {
  snapshot(snapshot: LiveSnapshot): void;
  change(change: LiveChange): void;
  state(state: LiveState): void;
}

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 15_000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Follows an event's live stream until the returned function is called. The browser's
 * EventSource cannot send the access token (it sets no headers), so this is the same protocol
 * over fetch: each (re)connection takes the session's current token and sends the id of the
 * last message received as Last-Event-ID, so the API replays what was missed. A stream the
 * gateway ends (its token expired, the session revoked) is opened again with a fresh token;
 * signed out, or refused (404, 403), it stops.
 */
export function watchEvent(
  eventId: string,
  session: Session,
  handlers: LiveHandlers,
  fetchImpl: typeof fetch = (input, init) => globalThis.fetch(input, init),
): () => void {
  const controller = new AbortController();
  const { signal } = controller;
  const url = `/user/qr/admin/events/${encodeURIComponent(eventId)}/live`;
  let lastId: string | undefined;
  // A function, not the property: the loop awaits between its checks.
  const stopped = () => signal.aborted;

  const follow = async () => {
    let retryMs = RETRY_MIN_MS;
    handlers.state('connecting');
    while (!stopped()) {
      const token = await session.validAccessToken();
      if (token === null) break;
      let response: Response | undefined;
      try {
        response = await fetchImpl(url, {
          headers: {
            accept: 'text/event-stream',
            authorization: `Bearer ${token}`,
            ...(lastId === undefined ? {} : { 'last-event-id': lastId }),
          },
          signal,
        });
      } catch {
        response = undefined;
      }
      if (response?.status === 401) {
        if (await session.recover(token)) continue;
        break;
      }
      if (response && response.status >= 400 && response.status < 500) break;
      if (response?.ok && response.body) {
        handlers.state('live');
        const parser = createParser({
          onEvent: (message) => {
            if (message.id !== undefined) lastId = message.id;
            retryMs = RETRY_MIN_MS;
            if (message.event === 'snapshot') {
              handlers.snapshot(JSON.parse(message.data) as LiveSnapshot);
            } else if (message.event === 'attendance') {
              handlers.change(JSON.parse(message.data) as LiveChange);
            }
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            parser.feed(value);
          }
        } catch {
          // Cut: reconnect below.
        }
      }
      if (stopped()) break;
      handlers.state('reconnecting');
      await sleep(retryMs, signal);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    }
    handlers.state('stopped');
  };
  void follow();
  return () => {
    controller.abort();
  };
}
