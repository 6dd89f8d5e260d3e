import { request } from 'node:https';
import { createParser } from 'eventsource-parser';

/** One `attendance` message of the live stream, with the moment it arrived here. */
export interface Arrival {
  seq: number;
  userId: number;
  status: string;
  present: number;
  /** performance.now() when the message was parsed. */
  at: number;
}

export interface LiveStream {
  /** The `attendance` messages so far, in the order they arrived. */
  arrivals: Arrival[];
  /** Resolves once the snapshot (the first message) has arrived. */
  ready: Promise<void>;
  /** Resolves when `count` attendance messages have arrived, or after `timeoutMs` anyway. */
  waitFor(count: number, timeoutMs: number): Promise<void>;
  close(): void;
}

/**
 * An admin's live stream of an event (GET …/events/:id/live) over HTTPS through nginx, read as
 * a browser reads it: one long response, messages parsed as they come (eventsource-parser, as
 * the web app's own client).
 */
export function openLiveStream(baseUrl: string, eventId: string, token: string): LiveStream {
  const arrivals: Arrival[] = [];
  const waiters = new Set<() => void>();
  let onReady: () => void = () => undefined;
  let onFailed: (err: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onFailed = reject;
  });
  const parser = createParser({
    onEvent: (message) => {
      const at = performance.now();
      if (message.event === 'snapshot') onReady();
      if (message.event !== 'attendance') return;
      const data = JSON.parse(message.data) as {
        seq: number;
        user: { user_id: number };
        status: string;
        counts: { present: number };
      };
      arrivals.push({
        seq: data.seq,
        userId: data.user.user_id,
        status: data.status,
        present: data.counts.present,
        at,
      });
      for (const wake of waiters) wake();
    },
  });
  const req = request(
    `${baseUrl}/user/qr/admin/events/${encodeURIComponent(eventId)}/live`,
    {
      rejectUnauthorized: false,
      agent: false,
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    },
    (res) => {
      if (res.statusCode !== 200) {
        onFailed(new Error(`live stream: status ${String(res.statusCode)}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => parser.feed(chunk));
      res.on('error', () => undefined);
    },
  );
  req.on('error', (err) => onFailed(err));
  req.end();
  return {
    arrivals,
    ready,
    waitFor: (count, timeoutMs) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const check = () => {
          if (arrivals.length >= count) done();
        };
        const timer = setTimeout(done, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => req.destroy(),
  };
}
