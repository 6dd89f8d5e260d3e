import type { FastifyBaseLogger } from 'fastify';
import { rfc3339, rfc3339OrNull } from '../domain/dates.js';
import type { AttendanceStatus } from '../domain/statuses.js';
import type { Db } from '../repositories/db.js';
import { changesAfter, liveCounts, type ChangeRow, type LiveCounts } from './changes.js';

/** The data of one `attendance` message of the live stream (schemas/live.ts describes it). */
export interface LiveChange {
  seq: number;
  event_id: string;
  user: { user_id: number; name: string; surname: string };
  status: AttendanceStatus;
  previous_status: AttendanceStatus | null;
  scanned_at: string | null;
  changed_at: string;
  counts: LiveCounts;
}

export interface LiveSubscriber {
  /** The number of the last change this subscriber has been given. */
  cursor: bigint;
  /** Called with the changes above the cursor, oldest first; must not throw. */
  deliver(changes: LiveChange[]): void;
  /** Ends the stream (the app is closing). */
  close(): void;
}

interface Feed {
  subscribers: Set<LiveSubscriber>;
  /** A read of the database is running; `again` asks it for one more round. */
  running: boolean;
  again: boolean;
  retry: NodeJS.Timeout | undefined;
}

/** Rows read per round: a subscriber far behind is brought up to date in several. */
const BATCH = 500;
const RETRY_MS = 1000;

export function changeJson(eventId: string, row: ChangeRow, counts: LiveCounts): LiveChange {
  return {
    seq: Number(row.seq),
    event_id: eventId,
    user: { user_id: row.user_id, name: row.name, surname: row.surname },
    status: row.status,
    previous_status: row.previous_status,
    scanned_at: rfc3339OrNull(row.scanned_at),
    changed_at: rfc3339(row.changed_at),
    counts,
  };
}

/**
 * The fan-out of one replica: every open stream of an event is a subscriber with its own
 * cursor, and one read of attendance_changes per event serves them all, whatever the number of
 * streams. A notification (from any replica, through live/listener.ts), a new subscriber and
 * a reconnection of the listener all start the same read, "everything above the lowest
 * cursor", so a stream that reconnects with Last-Event-ID and a replica whose listening
 * connection was lost are brought up to date the same way, from the database.
 */
export class LiveHub {
  private readonly feeds = new Map<string, Feed>();

  constructor(
    private readonly db: Db,
    private readonly log: FastifyBaseLogger,
    /** LIVE_HEARTBEAT_MS: between the comment lines that keep idle streams open. */
    readonly heartbeatMs: number,
    /** Resolves once the replica listens for changes (live/listener.ts). */
    readonly listening: () => Promise<void>,
  ) {}

  /** Starts delivering the event's changes above `subscriber.cursor`; returns the unsubscribe. */
  subscribe(eventId: string, subscriber: LiveSubscriber): () => void {
    let feed = this.feeds.get(eventId);
    if (!feed) {
      feed = { subscribers: new Set(), running: false, again: false, retry: undefined };
      this.feeds.set(eventId, feed);
    }
    feed.subscribers.add(subscriber);
    this.pump(eventId);
    return () => {
      const current = this.feeds.get(eventId);
      if (!current) return;
      current.subscribers.delete(subscriber);
      if (current.subscribers.size === 0) {
        clearTimeout(current.retry);
        this.feeds.delete(eventId);
      }
    };
  }

  /** A change was committed (NOTIFY): read it if a subscriber here has not seen it. */
  notify(eventId: string, seq: bigint): void {
    const feed = this.feeds.get(eventId);
    if (!feed) return;
    for (const subscriber of feed.subscribers) {
      if (subscriber.cursor < seq) {
        this.pump(eventId);
        return;
      }
    }
  }

  /** After the listening connection came back: notifications may have been missed. */
  catchUp(): void {
    for (const eventId of this.feeds.keys()) this.pump(eventId);
  }

  /** Ends every stream: the app is closing, and clients reconnect to another replica. */
  closeAll(): void {
    for (const feed of this.feeds.values()) {
      clearTimeout(feed.retry);
      for (const subscriber of feed.subscribers) subscriber.close();
    }
    this.feeds.clear();
  }

  /** Open streams, for the gauge and the tests. */
  get streams(): number {
    let count = 0;
    for (const feed of this.feeds.values()) count += feed.subscribers.size;
    return count;
  }

  private pump(eventId: string): void {
    const feed = this.feeds.get(eventId);
    if (!feed) return;
    if (feed.running) {
      feed.again = true;
      return;
    }
    feed.running = true;
    feed.again = false;
    void this.read(eventId, feed)
      .catch((err: unknown) => {
        // The database is away: try again, while someone is still watching.
        this.log.warn({ err, event_id: eventId }, 'live attendance read failed; retrying');
        clearTimeout(feed.retry);
        feed.retry = setTimeout(() => this.pump(eventId), RETRY_MS);
        feed.retry.unref();
      })
      .finally(() => {
        feed.running = false;
        if (feed.again && this.feeds.get(eventId) === feed) this.pump(eventId);
      });
  }

  private async read(eventId: string, feed: Feed): Promise<void> {
    for (;;) {
      if (feed.subscribers.size === 0) return;
      let lowest: bigint | undefined;
      for (const subscriber of feed.subscribers) {
        if (lowest === undefined || subscriber.cursor < lowest) lowest = subscriber.cursor;
      }
      const rows = await changesAfter(this.db, eventId, lowest ?? 0n, BATCH);
      if (rows.length === 0) return;
      const counts = await liveCounts(this.db, eventId);
      const changes = rows.map((row) => changeJson(eventId, row, counts));
      for (const subscriber of feed.subscribers) {
        const fresh = changes.filter((change) => BigInt(change.seq) > subscriber.cursor);
        const newest = fresh.at(-1);
        if (!newest) continue;
        subscriber.cursor = BigInt(newest.seq);
        subscriber.deliver(fresh);
      }
      if (rows.length < BATCH) return;
    }
  }
}
