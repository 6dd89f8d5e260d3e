import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runMigrations } from '@cloud-backend/shared';
import { createTestDatabase, type TestDatabase } from '@cloud-backend/shared/testing';
import { logLegacySocialLogs } from '../src/legacy-report.js';

const dir = new URL('../migrations/', import.meta.url);

// The original's social_logs, as its schema.sql made it when an operator applied it by hand,
// with rows its POST /api/social/log wrote (no user, a wall-clock timestamp).
const ORIGINAL = `
CREATE TABLE social_logs (id serial PRIMARY KEY, social varchar(50) NOT NULL,
  "timestamp" timestamp NOT NULL, content text NOT NULL, status varchar(20) NOT NULL);
INSERT INTO social_logs (social, "timestamp", content, status) VALUES
  ('instagram', '2025-06-20 10:00:00', 'post', 'published'),
  ('facebook', '2025-06-21 11:30:00', 'story', 'draft');`;

let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase('social_log_original');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(ORIGINAL);
});
afterAll(async () => {
  await client.end();
  await db.drop();
});

it("keeps the original's social_logs as they were in legacy, and says so at every start", async () => {
  const log = pino({ level: 'silent' });
  expect(await runMigrations({ databaseUrl: db.url, dir, log })).toHaveLength(2);
  const kept = await client.query(
    `SELECT social, to_char("timestamp", 'YYYY-MM-DD HH24:MI:SS') AS at, content, status
       FROM legacy.social_logs ORDER BY id`,
  );
  expect(kept.rows).toEqual([
    { social: 'instagram', at: '2025-06-20 10:00:00', content: 'post', status: 'published' },
    { social: 'facebook', at: '2025-06-21 11:30:00', content: 'story', status: 'draft' },
  ]);
  const port = await client.query('SELECT count(*)::int AS n FROM public.social_logs');
  expect(port.rows).toEqual([{ n: 0 }]);
  expect(await runMigrations({ databaseUrl: db.url, dir, log })).toEqual([]);

  const lines: { level: number; msg: string }[] = [];
  const capture = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) },
  );
  await logLegacySocialLogs(db.url, capture);
  expect(lines.map((line) => [line.level, line.msg])).toEqual([
    [
      40,
      '2 social log entries of the original are kept, as they were, in legacy.social_logs: ' +
        'they name no user, so the API does not serve them (docs/switch-over.md)',
    ],
  ]);
});

it('says nothing on a database that never had them', async () => {
  const fresh = await createTestDatabase('social_log_fresh');
  try {
    await runMigrations({ databaseUrl: fresh.url, dir, log: pino({ level: 'silent' }) });
    const lines: string[] = [];
    await logLegacySocialLogs(
      fresh.url,
      pino({ level: 'info' }, { write: (l: string) => lines.push(l) }),
    );
    expect(lines).toEqual([]);
  } finally {
    await fresh.drop();
  }
});
