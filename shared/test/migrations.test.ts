import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMigrations } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.js';
import { testApp } from './helpers.js';

const dir = new URL('./fixtures/migrations/', import.meta.url);
const log = (await testApp()).log;
let db: TestDatabase;

beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(() => db.drop());

async function columns(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'notes' ORDER BY 1",
    );
    return rows.map((row) => row.column_name);
  } finally {
    await client.end();
  }
}

describe('runMigrations', () => {
  it('applies pending SQL migrations once, in order', async () => {
    const applied = await runMigrations({ databaseUrl: db.url, dir, log });
    expect(applied).toEqual(['1700000000000_create-notes', '1700000000001_add-created-at']);
    expect(await columns(db.url)).toEqual(['body', 'created_at', 'id']);
    expect(await runMigrations({ databaseUrl: db.url, dir, log })).toEqual([]);
  });

  it('lets replicas starting together wait for the lock instead of failing or applying twice', async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() => runMigrations({ databaseUrl: db.url, dir, log })),
    );
    expect(results.flat().sort()).toEqual([
      '1700000000000_create-notes',
      '1700000000001_add-created-at',
    ]);
    expect(await columns(db.url)).toEqual(['body', 'created_at', 'id']);
  });

  it('migrates down one step', async () => {
    await runMigrations({ databaseUrl: db.url, dir, log });
    expect(await runMigrations({ databaseUrl: db.url, dir, log, direction: 'down' })).toEqual([
      '1700000000001_add-created-at',
    ]);
    expect(await columns(db.url)).toEqual(['body', 'id']);
  });

  it('does nothing for a service without migrations', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'no-migrations-'));
    expect(await runMigrations({ databaseUrl: db.url, dir: empty, log })).toEqual([]);
    expect(await runMigrations({ databaseUrl: db.url, dir: join(empty, 'missing'), log })).toEqual(
      [],
    );
    await rm(empty, { recursive: true });
  });
});
