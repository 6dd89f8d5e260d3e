import pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';

export const CHANNEL = 'attendance_changes';

const CONNECT_TIMEOUT_MS = 5000;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

export interface Notification {
  eventId: string;
  seq: bigint;
}

/** Reads a NOTIFY payload of the attendance_live_change trigger; undefined if malformed. */
export function parsePayload(payload: string | undefined): Notification | undefined {
  try {
    const value = JSON.parse(payload ?? '') as { event_id?: unknown; seq?: unknown };
    if (typeof value.event_id !== 'string' || typeof value.seq !== 'number') return undefined;
    return { eventId: value.event_id, seq: BigInt(value.seq) };
  } catch {
    return undefined;
  }
}

/**
 * The replica's one listening connection to the user database (outside the request pool, like
 * the leader lock's: services/leader-lock.ts). Every committed check-in or status change, on
 * any replica, arrives here as a notification. When the connection is lost (PostgreSQL
 * restarted, network cut) it is opened again, with a growing pause, and `onReconnect` runs
 * once it listens again: notifications sent meanwhile are lost, so the streams are brought up
 * to date from the database.
 */
export class LiveListener {
  private client: pg.Client | undefined;
  private stopped = true;
  private retryMs = RETRY_MIN_MS;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly log: FastifyBaseLogger,
    private readonly onNotification: (notification: Notification) => void,
    private readonly onReconnect: () => void,
  ) {}

  private get closing(): boolean {
    return this.stopped;
  }

  private starting: Promise<void> | undefined;

  /**
   * Listens, from the first stream on (a replica nobody watches holds no connection for it);
   * rejects when the database cannot be reached, and the next call tries again.
   */
  ensure(): Promise<void> {
    this.starting ??= (async () => {
      this.stopped = false;
      await this.connect(false);
    })().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting?.catch(() => undefined);
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(again: boolean): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: 'user-service live',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // A silent network cut must end the connection, not leave it listening to nothing.
      keepAlive: true,
    });
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      if (this.stopped) return;
      this.log.warn({ err }, 'live attendance listener lost its connection; reconnecting');
      void client.end().catch(() => undefined);
      this.schedule();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      const notification = parsePayload(message.payload);
      if (notification) this.onNotification(notification);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      if (!again) {
        // The first connection: the stream that asked for it is refused (503).
        lost = true;
        await client.end().catch(() => undefined);
        throw err;
      }
      onLost(err as Error);
      return;
    }
    // stop() may have run while this connection was being opened.
    if (this.closing) {
      lost = true;
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = RETRY_MIN_MS;
    if (again) {
      this.log.info('live attendance listener listening again');
      this.onReconnect();
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(true), this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }
}
