import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { chainHash, GENESIS_HASH } from '../src/audit/hash-chain.js';
import { verifyChain } from '../src/audit/verify-chain.js';
import { readChainPage } from '../src/repositories/audit-events.js';
import { auditEvent, bearer, build, ingest } from './helper.js';

interface ChainReport {
  intact: boolean;
  checked: number;
  first_broken_id: number | null;
  last_hash: string | null;
}

async function verify(app: ServiceApp): Promise<ChainReport> {
  const response = await app.inject({
    url: '/api/social/audit/verify',
    headers: bearer(100, 'admin'),
  });
  expect(response.statusCode).toBe(200);
  return response.json<ChainReport>();
}

async function chain(app: ServiceApp) {
  const { rows } = await app.db.query<{ id: string; prev_hash: string; hash: string }>(
    'SELECT id, prev_hash, hash FROM audit_events ORDER BY id',
  );
  return rows.map((row) => ({ ...row, id: Number(row.id) }));
}

/** Runs SQL as an attacker with the owner's rights would: with the append-only trigger off. */
async function tamper(app: ServiceApp, sql: string, values: unknown[]) {
  await app.db.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
  try {
    await app.db.query(sql, values);
  } finally {
    await app.db.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
  }
}

/** The stored row that follows afterId, as verify reads it. */
async function rowAfter(app: ServiceApp, afterId: number) {
  const client = await app.db.connect();
  try {
    const [row] = await readChainPage(client, afterId, 1);
    if (!row) throw new Error(`no row after ${afterId}`);
    return row;
  } finally {
    client.release();
  }
}

/** A fresh service holding `count` events, for a test that breaks its chain. */
async function withEvents(count: number) {
  const app = await build();
  const events = Array.from({ length: count }, (_, index) => auditEvent({ user_id: index + 1 }));
  expect((await ingest(app, events)).json()).toEqual({ accepted: count, duplicates: 0 });
  return { app, rows: await chain(app) };
}

describe('the chain under load', () => {
  let app: ServiceApp;
  beforeAll(async () => {
    app = await build();
  });
  afterAll(() => app.close());

  it('verifies an empty trail', async () => {
    expect(await verify(app)).toEqual({
      intact: true,
      checked: 0,
      first_broken_id: null,
      last_hash: null,
    });
  });

  it('stays one linear chain when 10 batches of 20 arrive at once', async () => {
    const batches = Array.from({ length: 10 }, (_, batch) =>
      Array.from({ length: 20 }, (_, index) => auditEvent({ details: { batch, index } })),
    );
    const replies = await Promise.all(batches.map((events) => ingest(app, events)));
    expect(replies.map((reply) => reply.json<unknown>())).toEqual(
      Array.from({ length: 10 }, () => ({ accepted: 20, duplicates: 0 })),
    );

    const rows = await chain(app);
    expect(rows).toHaveLength(200);
    rows.forEach((row, index) => {
      expect(row.prev_hash).toBe(index === 0 ? GENESIS_HASH : rows[index - 1]?.hash);
    });
    // Each batch is stored as one run of consecutive rows, in the order it was sent.
    const { rows: order } = await app.db.query<{ batch: number; index: number }>(
      `SELECT (details->>'batch')::int AS batch, (details->>'index')::int AS index
         FROM audit_events ORDER BY id`,
    );
    for (let start = 0; start < 200; start += 20) {
      const run = order.slice(start, start + 20);
      expect(new Set(run.map((row) => row.batch)).size).toBe(1);
      expect(run.map((row) => row.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
    expect(await verify(app)).toEqual({
      intact: true,
      checked: 200,
      first_broken_id: null,
      last_hash: rows[199]?.hash,
    });
  });

  it('stores a batch sent five times at once exactly once', async () => {
    const events = Array.from({ length: 20 }, () => auditEvent());
    const replies = await Promise.all(Array.from({ length: 5 }, () => ingest(app, events)));
    const totals = replies
      .map((reply) => reply.json<{ accepted: number; duplicates: number }>())
      .reduce((sum, reply) => ({
        accepted: sum.accepted + reply.accepted,
        duplicates: sum.duplicates + reply.duplicates,
      }));
    expect(totals).toEqual({ accepted: 20, duplicates: 80 });
    expect((await verify(app)).checked).toBe(220);
  });

  it('verifies page by page with the same result', async () => {
    expect(await verifyChain(app.db, 7)).toEqual(await verify(app));
    expect(await verifyChain(app.db, 1)).toEqual(await verify(app));
  });

  it('reads pages in id order after a given id', async () => {
    const client = await app.db.connect();
    try {
      const page = await readChainPage(client, 0, 5);
      const next = await readChainPage(client, page[4]?.id ?? 0, 5);
      expect(page.map((row) => row.id)).toEqual((await chain(app)).slice(0, 5).map((r) => r.id));
      expect(next[0]?.prev_hash).toBe(page[4]?.hash);
    } finally {
      client.release();
    }
  });

  it('hashes exactly what it stores, whatever the details and timestamps hold', async () => {
    const odd = [
      auditEvent({
        occurred_at: '0001-01-01T00:00:00.000001Z',
        details: {
          numbers: [1e308, 0.1, -0, 2 ** 64, 1e-7, Number.MIN_VALUE, -1.5e-300, 2 ** 53 + 1],
          'z-last': true,
          'a-first': null,
          '': 'empty key',
          sql: "'; DROP TABLE audit_events; --",
          unicode: { ключ: 'значение', '😀': ['🚀', 'é', 'e\u0301'], דּ: '\u200f' },
          toString: 'not a function',
          hasOwnProperty: 1,
          nested: [[[], {}], [{ b: 1, a: 2 }]],
        },
      }),
      auditEvent({ occurred_at: '9999-12-31T23:59:59.999999999-00:00', ip: null, details: {} }),
      auditEvent({ occurred_at: '2025-03-30T02:30:00.5+01:00', user_id: null, actor_id: 5 }),
    ];
    expect((await ingest(app, odd)).json()).toEqual({ accepted: 3, duplicates: 0 });
    expect(await verify(app)).toMatchObject({ intact: true, checked: 223 });
  });
});

describe('the append-only guard', () => {
  let app: ServiceApp;
  beforeAll(async () => {
    ({ app } = await withEvents(3));
  });
  afterAll(() => app.close());

  it.each([
    ['UPDATE', "UPDATE audit_events SET action = 'user.nothing'"],
    ['DELETE', 'DELETE FROM audit_events'],
    ['DELETE', 'DELETE FROM audit_events WHERE false'],
    ['TRUNCATE', 'TRUNCATE audit_events'],
  ])('refuses %s, even to the superuser', async (operation, sql) => {
    await expect(app.db.query(sql)).rejects.toThrow(
      `audit_events is append-only: ${operation} is not allowed`,
    );
    expect(await chain(app)).toHaveLength(3);
  });

  it('refuses a row that does not extend the chain', async () => {
    const rows = await chain(app);
    const last = rows[2];
    const insert = (id: number, prevHash: string) =>
      app.db.query(
        `INSERT INTO audit_events (id, event_id, occurred_at, service, action, success, details,
           received_at, prev_hash, hash)
         VALUES ($1, gen_random_uuid(), now(), 'x', 'x', true, '{}', now(), $2, $3)`,
        [id, prevHash, 'f'.repeat(64)],
      );
    await expect(insert((last?.id ?? 0) + 1, GENESIS_HASH)).rejects.toThrow(
      /does not extend the hash chain/,
    );
    await expect(insert(last?.id ?? 0, last?.hash ?? '')).rejects.toThrow(/does not follow/);
    expect(await chain(app)).toHaveLength(3);
  });

  it('grants nothing on the table to PUBLIC', async () => {
    const { rows } = await app.db.query<{ privilege: string }>(
      `SELECT privilege_type AS privilege FROM information_schema.role_table_grants
        WHERE table_name = 'audit_events' AND grantee = 'PUBLIC'`,
    );
    expect(rows).toEqual([]);
  });
});

describe('verify finds tampering', () => {
  it('reports the row whose content was changed in SQL', async () => {
    const { app, rows } = await withEvents(10);
    try {
      const target = rows[3];
      await tamper(app, 'UPDATE audit_events SET success = NOT success WHERE id = $1', [
        target?.id,
      ]);
      expect(await verify(app)).toEqual({
        intact: false,
        checked: 4,
        first_broken_id: target?.id,
        last_hash: rows[2]?.hash,
      });
    } finally {
      await app.close();
    }
  });

  it('reports the next row when a row was rewritten together with its hash', async () => {
    const { app, rows } = await withEvents(10);
    try {
      const row = await rowAfter(app, rows[4]?.id ?? 0);
      const forged = { ...row, action: 'user.nothing_happened' };
      await tamper(app, 'UPDATE audit_events SET action = $2, hash = $3 WHERE id = $1', [
        row.id,
        forged.action,
        chainHash(row.prev_hash, forged),
      ]);
      expect(await verify(app)).toMatchObject({
        intact: false,
        checked: 7,
        first_broken_id: rows[6]?.id,
      });
    } finally {
      await app.close();
    }
  });

  it('reports the row after a deleted one, and a deleted first row', async () => {
    const { app, rows } = await withEvents(5);
    try {
      await tamper(app, 'DELETE FROM audit_events WHERE id = $1', [rows[2]?.id]);
      expect(await verify(app)).toMatchObject({ intact: false, first_broken_id: rows[3]?.id });
      await tamper(app, 'DELETE FROM audit_events WHERE id = $1', [rows[0]?.id]);
      expect(await verify(app)).toMatchObject({
        intact: false,
        checked: 1,
        first_broken_id: rows[1]?.id,
        last_hash: null,
      });
    } finally {
      await app.close();
    }
  });
});
