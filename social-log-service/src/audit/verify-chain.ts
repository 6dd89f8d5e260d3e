import { withTransaction, type Pool } from '@cloud-backend/shared';
import { readChainPage } from '../repositories/audit-events.js';
import { chainHash, GENESIS_HASH } from './hash-chain.js';

export interface ChainReport {
  /** True when every row links to the one before it and its hash matches its content. */
  intact: boolean;
  /** Rows examined, the broken one included. */
  checked: number;
  /**
   * The first row (by id) whose link or content does not verify. A row rewritten together with
   * its hash verifies itself, so it shows up as a break at the row after it.
   */
  first_broken_id: number | null;
  /**
   * The hash of the last row that verified. Recorded outside the database, it lets an operator
   * notice later that the chain was rewritten wholesale from some row to its end.
   */
  last_hash: string | null;
}

export const VERIFY_PAGE_SIZE = 1000;

/**
 * Walks the whole chain in id order, one page at a time (never the whole table in memory),
 * inside one REPEATABLE READ transaction so every page comes from the same snapshot.
 */
export async function verifyChain(pool: Pool, pageSize = VERIFY_PAGE_SIZE): Promise<ChainReport> {
  return withTransaction(pool, async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    let expectedPrev = GENESIS_HASH;
    let lastHash: string | null = null;
    let afterId = 0;
    let checked = 0;
    for (;;) {
      const rows = await readChainPage(client, afterId, pageSize);
      for (const row of rows) {
        checked++;
        if (row.prev_hash !== expectedPrev || row.hash !== chainHash(row.prev_hash, row)) {
          return { intact: false, checked, first_broken_id: row.id, last_hash: lastHash };
        }
        expectedPrev = row.hash;
        lastHash = row.hash;
        afterId = row.id;
      }
      if (rows.length < pageSize) {
        return { intact: true, checked, first_broken_id: null, last_hash: lastHash };
      }
    }
  });
}
