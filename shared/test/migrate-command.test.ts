import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, spawnTypeScript, type TestDatabase } from '../src/testing/index.js';

// `npm run migrate -w <service>` runs this file in the service's folder.
const command = fileURLToPath(new URL('../src/migrate-command.ts', import.meta.url));
const workspace = fileURLToPath(new URL('./fixtures/', import.meta.url));
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

async function tables(): Promise<string[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const { rows } = await client.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
  );
  await client.end();
  return rows.map((row) => row.tablename);
}

describe('migrate command', () => {
  it("applies the workspace's migrations, then reverts them one by one", async () => {
    const up = spawnTypeScript(command, { DATABASE_URL: db.url }, { cwd: workspace });
    expect(await up.exited).toBe(0);
    expect(up.output()).toContain('2 migration(s) applied');
    expect(await tables()).toEqual(['notes', 'pgmigrations']);

    const down = spawnTypeScript(
      command,
      { DATABASE_URL: db.url },
      {
        cwd: workspace,
        args: ['down', '2'],
      },
    );
    expect(await down.exited).toBe(0);
    expect(await tables()).toEqual(['pgmigrations']);
  }, 60_000);

  it('exits 1 naming DATABASE_URL when it is missing', async () => {
    const run = spawnTypeScript(command, { DATABASE_URL: undefined }, { cwd: workspace });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('DATABASE_URL: missing or invalid');
  }, 30_000);
});
