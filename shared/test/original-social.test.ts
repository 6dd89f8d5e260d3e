import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  captureCatalog,
  createOriginalSocialSchema,
  createTestDatabase,
  readSnapshot,
  writeSocialLogAsOriginal,
  type Catalog,
} from '../src/testing/index.js';

const LOG = {
  social: 'instagram',
  timestamp: '2025-06-22T10:00:00+02:00',
  content: 'post',
  status: 'ok',
};

describe('the original social-log database', () => {
  it('has no table unless schema.sql was run by hand; then it equals the real one', async () => {
    const db = await createTestDatabase('social');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await createOriginalSocialSchema(client);
      expect((await captureCatalog(client)).tables).toEqual([]);
      // What every deployment's service answered: its insert had no table to go to.
      expect(await writeSocialLogAsOriginal(client, LOG)).toMatchObject({
        status: 500,
        errors: [{ sqlstate: '42P01' }],
      });

      await createOriginalSocialSchema(client, { tableCreatedByHand: true });
      const real = await readSnapshot<{ catalog: Catalog }>('social-table-created-by-hand');
      expect(await captureCatalog(client)).toEqual(real.catalog);
      expect((await writeSocialLogAsOriginal(client, LOG)).status).toBe(201);
      expect((await writeSocialLogAsOriginal(client, { ...LOG, content: '' })).status).toBe(400);
      expect(
        (await writeSocialLogAsOriginal(client, { ...LOG, social: 'x'.repeat(51) })).status,
      ).toBe(500);
      const { rows } = await client.query(
        `select social, to_char("timestamp", 'YYYY-MM-DD HH24:MI:SS') as at from social_logs`,
      );
      // The client's offset is gone: the wall-clock time is what was kept.
      expect(rows).toEqual([{ social: 'instagram', at: '2025-06-22 10:00:00' }]);
    } finally {
      await client.end();
      await db.drop();
    }
  });
});
