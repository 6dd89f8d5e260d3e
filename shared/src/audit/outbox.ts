import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { withTransaction, type Pool } from '../db.js';
import { internalAuthorization } from '../internal-auth.js';
import { metrics } from '../metrics.js';
import { AUDIT_BATCH_MAX, AUDIT_INGEST_PATH, type AuditEvent } from './events.js';

/** What a route knows about an event; id, time and service are filled in here. */
export type AuditEventInput = Omit<AuditEvent, 'id' | 'occurred_at' | 'service'>;

type Queryable = Pick<pg.ClientBase, 'query'>;

// A string cut to a column's length (auth-service keeps 255 UTF-16 units of a tried login
// identifier) can end in half a surrogate pair, which PostgreSQL's JSON input refuses: the
// event would turn a client's long emoji string into a 500. The half becomes U+FFFD, as it
// does in a text column. In `u` mode a whole pair is one code point and never matches \p{Cs}.
const LONE_SURROGATES = /\p{Cs}/gu;
const wellFormed = (_key: string, value: unknown) =>
  typeof value === 'string' ? value.replace(LONE_SURROGATES, '\uFFFD') : value;

/**
 * Writes an event to the service's `audit_outbox` table. Call it with the transaction's client
 * so the event exists exactly when the change it describes does.
 */
export async function enqueueAuditEvent(
  client: Queryable,
  service: string,
  input: AuditEventInput,
): Promise<AuditEvent> {
  const event: AuditEvent = {
    id: randomUUID(),
    occurred_at: new Date().toISOString(),
    service,
    ...input,
  };
  await client.query('INSERT INTO audit_outbox (event_id, payload) VALUES ($1, $2)', [
    event.id,
    JSON.stringify(event, wellFormed),
  ]);
  return event;
}

export interface OutboxWorkerOptions {
  pool: Pool;
  service: string;
  /** Base URL of social-log-service. */
  targetUrl: string;
  token: string;
  log: FastifyBaseLogger;
  /** Pause between polls when nothing was due (ms). */
  intervalMs?: number;
  /** Per delivery attempt (ms). */
  timeoutMs?: number;
  /** Longest pause between retries of a failing event (s). */
  maxBackoffSeconds?: number;
}

type PostOutcome = { ok: true } | { ok: false; reason: string; rejected: boolean };

// Statuses that judge the content, not the moment: retrying the same batch cannot help.
const REJECTED = new Set([400, 413, 422]);

interface OutboxRow {
  id: string;
  payload: AuditEvent;
}

/**
 * Delivers the outbox to social-log-service: oldest first, in batches, `FOR UPDATE SKIP LOCKED`
 * so several replicas share the work without sending a row twice at once. A delivered row is
 * deleted; a failed batch is retried with exponential backoff. The receiver ignores event ids
 * it already has, so a crash between its reply and our DELETE only causes a harmless resend.
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly url: string;
  /** A batch was postponed because the receiver could not be reached or was failing. */
  private heldBack = false;

  constructor(private readonly options: OutboxWorkerOptions) {
    this.url = new URL(AUDIT_INGEST_PATH, options.targetUrl).toString();
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One delivery cycle; returns how many events were delivered. */
  async deliverOnce(): Promise<number> {
    const { pool } = this.options;
    const delivered = await withTransaction(pool, async (client) => {
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, payload FROM audit_outbox
          WHERE next_attempt_at <= now()
          ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [AUDIT_BATCH_MAX],
      );
      if (rows.length === 0) return 0;
      const outcome = await this.post(rows.map((row) => row.payload));
      if (outcome.ok) {
        await this.remove(client, rows);
        if (this.heldBack) await this.releaseHeldBack(client);
        return rows.length;
      }
      if (!outcome.rejected) this.heldBack = true;
      if (!outcome.rejected || rows.length === 1) {
        await this.postpone(client, rows, outcome.reason);
        return 0;
      }
      // The receiver refused the batch itself: one event may be malformed. Sent one by one,
      // the others go through and only the bad one waits (and shows in last_error).
      let count = 0;
      for (const row of rows) {
        const single = await this.post([row.payload]);
        if (single.ok) {
          await this.remove(client, [row]);
          count++;
        } else {
          await this.postpone(client, [row], single.reason);
        }
      }
      return count;
    });
    await this.reportPending();
    return delivered;
  }

  private async remove(client: Queryable, rows: OutboxRow[]): Promise<void> {
    await client.query('DELETE FROM audit_outbox WHERE id = ANY($1::bigint[])', [
      rows.map((row) => row.id),
    ]);
  }

  private async postpone(client: Queryable, rows: OutboxRow[], reason: string): Promise<void> {
    this.options.log.warn({ events: rows.length, reason }, 'audit delivery failed; will retry');
    await client.query(
      `UPDATE audit_outbox
          SET attempts = attempts + 1, last_error = $2,
              next_attempt_at = now() + make_interval(secs => least($3, power(2, attempts)))
        WHERE id = ANY($1::bigint[])`,
      [rows.map((row) => row.id), reason.slice(0, 500), this.options.maxBackoffSeconds ?? 60],
    );
  }

  /**
   * The receiver is back: events still waiting out a backoff from its outage are due at once,
   * rather than up to maxBackoffSeconds later (and after newer ones). An event the receiver
   * refused for its content keeps its backoff.
   */
  private async releaseHeldBack(client: Queryable): Promise<void> {
    this.heldBack = false;
    await client.query(
      `UPDATE audit_outbox SET next_attempt_at = now()
        WHERE next_attempt_at > now() AND coalesce(last_error, '') <> ALL($1::text[])`,
      [[...REJECTED].map((status) => `HTTP ${String(status)}`)],
    );
  }

  private async reportPending(): Promise<void> {
    const { rows } = await this.options.pool.query<{ count: string }>(
      'SELECT count(*) AS count FROM audit_outbox',
    );
    metrics.auditOutboxPending.set({ service: this.options.service }, Number(rows[0]?.count ?? 0));
  }

  private async post(events: AuditEvent[]): Promise<PostOutcome> {
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: internalAuthorization(this.options.token),
        },
        body: JSON.stringify({ events }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      await response.arrayBuffer();
      if (response.ok) return { ok: true };
      return {
        ok: false,
        reason: `HTTP ${String(response.status)}`,
        rejected: REJECTED.has(response.status),
      };
    } catch (err) {
      return {
        ok: false,
        reason: err instanceof Error ? err.message : String(err),
        rejected: false,
      };
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.cycle();
    }, delayMs);
    this.timer.unref();
  }

  private async cycle(): Promise<void> {
    let delivered = 0;
    try {
      delivered = await this.deliverOnce();
    } catch (err) {
      // The database is unreachable or the table is missing: keep trying, quietly.
      this.options.log.warn({ err }, 'audit outbox cycle failed');
    }
    // A full batch means more may be waiting: go again at once.
    this.schedule(delivered === AUDIT_BATCH_MAX ? 0 : (this.options.intervalMs ?? 1000));
  }
}
