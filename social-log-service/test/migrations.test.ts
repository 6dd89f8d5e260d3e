import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runMigrations } from '@cloud-backend/shared';
import { createTestDatabase, type TestDatabase } from '@cloud-backend/shared/testing';

const dir = new URL('../migrations/', import.meta.url);
const log = pino({ level: 'silent' });

let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase('social_log_migrations');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client.end();
  await db.drop();
});

async function tables(): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
  );
  return rows.map((row) => row.name);
}

it('applies, reverts and re-applies cleanly', async () => {
  const applied = await runMigrations({ databaseUrl: db.url, dir, log });
  expect(applied).toEqual(['1732000000000_social-logs', '1732000000001_audit-events']);
  expect(await tables()).toEqual(['audit_events', 'pgmigrations', 'social_logs']);

  await runMigrations({ databaseUrl: db.url, dir, log, direction: 'down', count: Infinity });
  expect(await tables()).toEqual(['pgmigrations']);
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_proc WHERE proname LIKE 'audit%'`,
  );
  expect(rows[0]?.n).toBe(0);

  expect(await runMigrations({ databaseUrl: db.url, dir, log })).toHaveLength(2);
  expect(await runMigrations({ databaseUrl: db.url, dir, log })).toEqual([]);
});

it('stores every timestamp as timestamptz', async () => {
  const { rows } = await client.query<{ column: string }>(
    `SELECT table_name || '.' || column_name AS column FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> 'pgmigrations'
        AND data_type LIKE 'timestamp%' AND data_type <> 'timestamp with time zone'`,
  );
  expect(rows).toEqual([]);
});
