import type pg from 'pg';

/**
 * Every table of the port's schema and of `legacy`, each as its row count and a digest of
 * its rows in a fixed order: two fingerprints are equal when no row anywhere changed.
 */
export async function databaseFingerprint(
  client: pg.ClientBase,
  options: { skip?: string[] } = {},
): Promise<Record<string, string>> {
  const { rows: tables } = await client.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
      WHERE schemaname IN ('public', 'legacy') ORDER BY 1`,
  );
  const fingerprint: Record<string, string> = {};
  for (const { name } of tables) {
    if (options.skip?.includes(name)) continue;
    const { rows } = await client.query<{ n: string; digest: string | null }>(
      `SELECT count(*)::text AS n, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS digest
         FROM ${name} t`,
    );
    fingerprint[name] = `${rows[0]?.n ?? '?'} ${rows[0]?.digest ?? ''}`;
  }
  return fingerprint;
}
