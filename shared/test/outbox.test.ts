import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AUDIT_INGEST_PATH,
  AuditBatchSchema,
  createPool,
  enqueueAuditEvent,
  OutboxWorker,
  registry,
  requireInternalToken,
  withTransaction,
  type AuditEvent,
  type Pool,
} from '../src/index.js';
import { validatorCompiler } from '../src/validation.js';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.js';

const TOKEN = 'outbox-test-token-0123456789abcdef0123456789';
const OUTBOX_DDL = `
  CREATE TABLE audit_outbox (
    id bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(), last_error text)`;

/**
 * A stand-in receiver speaking the ingestion contract (the real one is social-log-service,
 * tested end to end there): it validates the batch and can be told to fail.
 */
async function receiver() {
  const received: AuditEvent[] = [];
  let failing = false;
  const app: FastifyInstance = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.post(
    AUDIT_INGEST_PATH,
    { preHandler: requireInternalToken(TOKEN), schema: { body: AuditBatchSchema } },
    async (request, reply) => {
      if (failing) return reply.code(503).send({ error: 'down', code: 'DOWN' });
      const { events } = request.body as { events: AuditEvent[] };
      if (events.some((e) => e.details.poison === true)) {
        return reply.code(400).send({ error: 'bad event', code: 'INVALID_AUDIT_EVENT' });
      }
      const fresh = events.filter((e) => !received.some((r) => r.id === e.id));
      received.push(...fresh);
      return { accepted: fresh.length, duplicates: events.length - fresh.length };
    },
  );
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, received, setFailing: (value: boolean) => (failing = value) };
}

const input = (n: number) => ({
  action: 'user.login_failed',
  user_id: n,
  actor_id: null,
  success: false,
  ip: '203.0.113.1',
  user_agent: 'test',
  request_id: `req-${String(n)}`,
  details: { n },
});

describe('audit outbox', () => {
  let db: TestDatabase;
  let pool: Pool;
  let target: Awaited<ReturnType<typeof receiver>>;
  const log = pino({ level: 'silent' });

  beforeAll(async () => {
    db = await createTestDatabase('outbox');
    pool = createPool({ connectionString: db.url, applicationName: 'outbox-test' }, log);
    await pool.query(OUTBOX_DDL);
    target = await receiver();
  });
  afterAll(async () => {
    await target.app.close();
    await pool.end();
    await db.drop();
  });
  beforeEach(async () => {
    await pool.query('TRUNCATE audit_outbox');
    target.received.length = 0;
    target.setFailing(false);
  });

  it('an event exists only if its transaction commits', async () => {
    await withTransaction(pool, (client) => enqueueAuditEvent(client, 'svc', input(1)));
    await expect(
      withTransaction(pool, async (client) => {
        await enqueueAuditEvent(client, 'svc', input(2));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const { rows } = await pool.query<{ payload: AuditEvent }>('SELECT payload FROM audit_outbox');
    expect(rows.map((r) => r.payload.user_id)).toEqual([1]);
    expect(rows[0]?.payload).toMatchObject({ service: 'svc', action: 'user.login_failed' });
  });

  it('delivers in order, deletes what was delivered, and reports the backlog', async () => {
    for (let n = 1; n <= 150; n++) await enqueueAuditEvent(pool, 'svc', input(n));
    const worker = new OutboxWorker({
      pool,
      service: 'svc',
      targetUrl: target.url,
      token: TOKEN,
      log,
    });
    expect(await worker.deliverOnce()).toBe(100);
    expect(await worker.deliverOnce()).toBe(50);
    expect(target.received.map((e) => e.user_id)).toEqual(
      Array.from({ length: 150 }, (_, i) => i + 1),
    );
    expect((await pool.query('SELECT 1 FROM audit_outbox')).rowCount).toBe(0);
    expect(await registry.getSingleMetricAsString('audit_outbox_pending')).toMatch(
      /service="svc"} 0/,
    );
  });

  it('keeps events while the receiver fails, backs off, and delivers them later', async () => {
    await enqueueAuditEvent(pool, 'svc', input(7));
    target.setFailing(true);
    const worker = new OutboxWorker({
      pool,
      service: 'svc',
      targetUrl: target.url,
      token: TOKEN,
      log,
    });
    expect(await worker.deliverOnce()).toBe(0);
    const { rows } = await pool.query<{ attempts: number; last_error: string; due: boolean }>(
      'SELECT attempts, last_error, next_attempt_at > now() AS due FROM audit_outbox',
    );
    expect(rows).toEqual([{ attempts: 1, last_error: 'HTTP 503', due: true }]);
    target.setFailing(false);
    expect(await worker.deliverOnce()).toBe(0); // not due yet: backing off
    await pool.query('UPDATE audit_outbox SET next_attempt_at = now()');
    expect(await worker.deliverOnce()).toBe(1);
    expect(target.received.map((e) => e.user_id)).toEqual([7]);
  });

  it('once the receiver is back, events held back by its outage are due at once', async () => {
    const worker = new OutboxWorker({
      pool,
      service: 'svc',
      targetUrl: target.url,
      token: TOKEN,
      log,
    });
    await enqueueAuditEvent(pool, 'svc', input(1));
    target.setFailing(true);
    expect(await worker.deliverOnce()).toBe(0);
    // Held back for a long while, as after several failed attempts.
    await pool.query(`UPDATE audit_outbox SET next_attempt_at = now() + interval '1 hour'`);
    target.setFailing(false);
    await enqueueAuditEvent(pool, 'svc', input(2));
    expect(await worker.deliverOnce()).toBe(1);
    expect(await worker.deliverOnce()).toBe(1);
    expect(target.received.map((e) => e.user_id)).toEqual([2, 1]);
  });

  it('a wrong credential or an unreachable receiver is a retried failure, not a crash', async () => {
    await enqueueAuditEvent(pool, 'svc', input(8));
    const wrongToken = new OutboxWorker({
      pool,
      service: 'svc',
      targetUrl: target.url,
      token: `${TOKEN}x`,
      log,
    });
    expect(await wrongToken.deliverOnce()).toBe(0);
    await pool.query('UPDATE audit_outbox SET next_attempt_at = now()');
    const nowhere = new OutboxWorker({
      pool,
      service: 'svc',
      targetUrl: 'http://127.0.0.1:9',
      token: TOKEN,
      log,
    });
    expect(await nowhere.deliverOnce()).toBe(0);
    const { rows } = await pool.query<{ attempts: number; last_error: string }>(
      'SELECT attempts, last_error FROM audit_outbox',
    );
    expect(rows[0]?.attempts).toBe(2);
    expect(target.received).toEqual([]);
  });

  it('a batch the receiver refuses is sent one by one, so one bad event holds back only itself', async () => {
    await enqueueAuditEvent(pool, 'svc', input(1));
    await enqueueAuditEvent(pool, 'svc', { ...input(2), details: { poison: true } });
    await enqueueAuditEvent(pool, 'svc', input(3));
    const worker = new OutboxWorker({
      pool,
      service: 'svc',
      targetUrl: target.url,
      token: TOKEN,
      log,
    });
    expect(await worker.deliverOnce()).toBe(2);
    expect(target.received.map((e) => e.user_id)).toEqual([1, 3]);
    const { rows } = await pool.query<{ payload: AuditEvent; last_error: string }>(
      'SELECT payload, last_error FROM audit_outbox',
    );
    expect(rows.map((r) => [r.payload.user_id, r.last_error])).toEqual([[2, 'HTTP 400']]);
  });

  it('two workers (two replicas) never send the same event twice at once', async () => {
    for (let n = 1; n <= 120; n++) await enqueueAuditEvent(pool, 'svc', input(n));
    const a = new OutboxWorker({ pool, service: 'svc', targetUrl: target.url, token: TOKEN, log });
    const b = new OutboxWorker({ pool, service: 'svc', targetUrl: target.url, token: TOKEN, log });
    const delivered = await Promise.all([a.deliverOnce(), b.deliverOnce(), a.deliverOnce()]);
    expect(delivered.reduce((x, y) => x + y, 0)).toBe(120);
    expect(new Set(target.received.map((e) => e.id)).size).toBe(120);
  });

  it('the running worker delivers on its own and stops cleanly', async () => {
    const worker = new OutboxWorker({
      pool,
      service: 'svc',
      targetUrl: target.url,
      token: TOKEN,
      log,
      intervalMs: 20,
    });
    worker.start();
    await enqueueAuditEvent(pool, 'svc', input(9));
    const deadline = Date.now() + 5000;
    while (target.received.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await worker.stop();
    expect(target.received.map((e) => e.user_id)).toEqual([9]);
  });
});
