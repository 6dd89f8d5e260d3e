import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';

/**
 * After a switch-over from the original: its social_logs table, when an operator had created
 * it, is kept in the `legacy` schema (its rows name no user, so none could be copied). Said at
 * every start while it is there. Read with the migration role: the service's own append-only
 * role has no access to `legacy`.
 */
export async function logLegacySocialLogs(url: string, log: FastifyBaseLogger): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ present: boolean }>(
      `SELECT to_regclass('legacy.social_logs') IS NOT NULL AS present`,
    );
    if (!rows[0]?.present) return;
    const count = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM legacy.social_logs',
    );
    const n = count.rows[0]?.n ?? 0;
    log.warn(
      { legacySocialLogs: n },
      `${n} social log entr${n === 1 ? 'y' : 'ies'} of the original are kept, as they were, in ` +
        'legacy.social_logs: they name no user, so the API does not serve them ' +
        '(docs/switch-over.md)',
    );
  } finally {
    await client.end();
  }
}
