import {
  withTransaction,
  type Pool,
  type PoolClient,
  canonicalUtcSql,
} from '@cloud-backend/shared';
import { chainHash, GENESIS_HASH, type ChainedFields } from '../audit/hash-chain.js';
import type { NormalisedEvent } from '../audit/normalise-events.js';
import { WhereClause, type Page } from './where-clause.js';

/** A stored audit event: the hashed fields in canonical form, plus its place in the chain. */
export interface StoredAuditEvent extends ChainedFields {
  id: number;
  prev_hash: string;
  hash: string;
}

export interface AuditEventFilter {
  userId?: number;
  action?: string;
  service?: string;
  /** Canonical UTC forms; both bounds inclusive, on occurred_at. */
  from?: string;
  to?: string;
}

// bigint arrives as text from pg; ids stay far below 2^53.
type Row = Omit<StoredAuditEvent, 'id'> & { id: string };

const COLUMNS = `id, event_id::text AS event_id, ${canonicalUtcSql('occurred_at')} AS occurred_at,
  service, action, user_id, actor_id, success, ip, user_agent, request_id, details,
  ${canonicalUtcSql('received_at')} AS received_at, prev_hash, hash`;

const FIELDS_PER_ROW = 15;

function toStored(row: Row): StoredAuditEvent {
  return { ...row, id: Number(row.id) };
}

/**
 * Appends the events not stored yet to the chain and returns how many were new. Under the chain
 * lock, in one transaction: find which ids exist, read the chain's end, take ids from the
 * sequence, hash each row onto the previous one, insert. Duplicates are filtered here rather than
 * by `ON CONFLICT DO NOTHING`, which would skip a row whose hash the next row already chains to;
 * the unique constraint remains, and a violation fails the batch (the sender retries it).
 */
export async function appendAuditEvents(pool: Pool, events: NormalisedEvent[]): Promise<number> {
  return withTransaction(pool, async (client) => {
    await client.query('SELECT audit_chain_lock()');
    const existing = await client.query<{ event_id: string }>(
      'SELECT event_id::text AS event_id FROM audit_events WHERE event_id = ANY($1::uuid[])',
      [events.map((event) => event.event_id)],
    );
    const stored = new Set(existing.rows.map((row) => row.event_id));
    const fresh = events.filter((event) => !stored.has(event.event_id));
    if (fresh.length === 0) return 0;

    // clock_timestamp(), read under the lock: received_at never goes back along the chain.
    const head = await client.query<{
      last_hash: string | null;
      received_at: string;
      ids: string[];
    }>(
      `SELECT (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1) AS last_hash,
              ${canonicalUtcSql('clock_timestamp()')} AS received_at,
              ARRAY(SELECT nextval('audit_events_id_seq')::text
                      FROM generate_series(1, $1::integer)) AS ids`,
      [fresh.length],
    );
    const { last_hash, received_at, ids } = head.rows[0] as (typeof head.rows)[number];
    // Ids in ascending order follow the batch order, so id order is chain order.
    const sortedIds = ids.map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

    let prevHash = last_hash ?? GENESIS_HASH;
    const values: unknown[] = [];
    const tuples = fresh.map((event, index) => {
      const fields: ChainedFields = { ...event, received_at };
      const hash = chainHash(prevHash, fields);
      values.push(
        String(sortedIds[index]),
        fields.event_id,
        fields.occurred_at,
        fields.service,
        fields.action,
        fields.user_id,
        fields.actor_id,
        fields.success,
        fields.ip,
        fields.user_agent,
        fields.request_id,
        JSON.stringify(fields.details),
        fields.received_at,
        prevHash,
        hash,
      );
      prevHash = hash;
      const base = index * FIELDS_PER_ROW;
      const p = (n: number) => `$${base + n}`;
      return `(${p(1)}::bigint, ${p(2)}::uuid, ${p(3)}::timestamptz, ${p(4)}, ${p(5)}, ${p(6)}::integer,
        ${p(7)}::integer, ${p(8)}::boolean, ${p(9)}, ${p(10)}, ${p(11)}, ${p(12)}::jsonb,
        ${p(13)}::timestamptz, ${p(14)}, ${p(15)})`;
    });
    await client.query(
      `INSERT INTO audit_events (id, event_id, occurred_at, service, action, user_id, actor_id,
         success, ip, user_agent, request_id, details, received_at, prev_hash, hash)
       VALUES ${tuples.join(',\n')}`,
      values,
    );
    return fresh.length;
  });
}

/** One page of the events matching the filter, newest first, and how many match in all. */
export async function listAuditEvents(
  pool: Pool,
  filter: AuditEventFilter,
  page: Page,
): Promise<{ events: StoredAuditEvent[]; total: number }> {
  const where = new WhereClause()
    .add('user_id', '=', filter.userId)
    .add('action', '=', filter.action)
    .add('service', '=', filter.service)
    .add('occurred_at', '>=', filter.from, '::timestamptz')
    .add('occurred_at', '<=', filter.to, '::timestamptz');
  const count = await pool.query<{ total: number }>(
    `SELECT count(*)::integer AS total FROM audit_events ${where.toString()}`,
    where.values,
  );
  const paged = where.paged(page);
  const { rows } = await pool.query<Row>(
    `SELECT ${COLUMNS} FROM audit_events ${where.toString()}
     ORDER BY occurred_at DESC, id DESC ${paged.sql}`,
    paged.values,
  );
  return { events: rows.map(toStored), total: count.rows[0]?.total ?? 0 };
}

/** Up to `limit` rows after `afterId`, in chain (id) order. */
export async function readChainPage(
  client: PoolClient,
  afterId: number,
  limit: number,
): Promise<StoredAuditEvent[]> {
  const { rows } = await client.query<Row>(
    `SELECT ${COLUMNS} FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2`,
    [afterId, limit],
  );
  return rows.map(toStored);
}
