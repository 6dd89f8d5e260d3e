import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeDatabaseUrl,
  isDatabaseUnavailable,
  waitForDatabase,
  withTransaction,
  type ServiceApp,
} from '../src/index.js';
import { freePort, startEmbeddedPostgres, type RunningPostgres } from '../src/dev/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.js';
import { testApp } from './helpers.js';

describe('pool and transactions', () => {
  let db: TestDatabase;
  let app: ServiceApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await testApp({ database: { url: db.url } });
    await app.db.query('CREATE TABLE items (name text PRIMARY KEY)');
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('commits what the callback wrote', async () => {
    const result = await withTransaction(app.db, async (client) => {
      await client.query("INSERT INTO items VALUES ('kept')");
      return 'done';
    });
    expect(result).toBe('done');
    expect((await app.db.query("SELECT 1 FROM items WHERE name = 'kept'")).rowCount).toBe(1);
  });

  it('rolls everything back when the callback throws', async () => {
    await expect(
      withTransaction(app.db, async (client) => {
        await client.query("INSERT INTO items VALUES ('lost')");
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await app.db.query("SELECT 1 FROM items WHERE name = 'lost'")).rowCount).toBe(0);
    expect(app.db.idleCount).toBe(app.db.totalCount); // the connection went back to the pool
  });

  it('tells connection failures from query errors', async () => {
    const queryError = await app.db.query('SELECT * FROM missing_table').catch((e: unknown) => e);
    expect(isDatabaseUnavailable(queryError)).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true);
    expect(describeDatabaseUrl('postgres://u:pw@db.example:6543/app')).toBe('db.example:6543/app');
  });
});

describe('a database that goes away and comes back', () => {
  let dataDir: string;
  let server: RunningPostgres;
  let port: number;
  let password: string;
  let app: ServiceApp;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cloud-backend-outage-'));
    port = await freePort();
    password = 'outage-test';
    server = await startEmbeddedPostgres({ dataDir, port, password, persistent: true });
    app = await testApp({ database: { url: server.adminUrl } });
  });
  afterAll(async () => {
    await app.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers /health/ready 503 while it is down and 200 once it returns, without a restart', async () => {
    expect((await app.inject({ url: '/health/ready' })).statusCode).toBe(200);

    await server.stop();
    const down = await app.inject({ url: '/health/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ status: 'not_ready', checks: { database: 'down' } });
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200); // liveness unaffected

    server = await startEmbeddedPostgres({ dataDir, port, password, persistent: true });
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await app.inject({ url: '/health/ready' })).statusCode;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });

  it('waitForDatabase gives up after its timeout with a message naming DATABASE_URL', async () => {
    const closed = await freePort();
    await expect(
      waitForDatabase(`postgres://u:hidden-pw@127.0.0.1:${closed}/x`, 300, app.log),
    ).rejects.toThrow(new RegExp(`^DATABASE_URL: cannot connect to 127.0.0.1:${closed}/x`));
    await expect(
      waitForDatabase(`postgres://u:hidden-pw@127.0.0.1:${closed}/x`, 300, app.log),
    ).rejects.not.toThrow(/hidden-pw/);
  });
});
