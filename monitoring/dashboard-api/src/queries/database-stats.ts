/**
 * What PostgreSQL tells any role that may connect about its database (pg_stat_database and
 * pg_database_size need no special privilege). Running queries of other roles are visible
 * only to members of pg_read_all_stats, so `slow_queries` is null for a role without it.
 */
export interface DatabaseStats {
  connections: number;
  blocks_hit: number;
  blocks_read: number;
  size_bytes: number;
  slow_queries: number | null;
}

/** Statements running for longer than this count as slow. */
export const SLOW_QUERY_SECONDS = 1;

export const DATABASE_STATS = `
  SELECT s.numbackends::int AS connections,
         s.blks_hit::float8 AS blocks_hit,
         s.blks_read::float8 AS blocks_read,
         pg_database_size(current_database())::float8 AS size_bytes,
         CASE WHEN pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') THEN
           (SELECT count(*)::int FROM pg_stat_activity
             WHERE datname = current_database() AND state = 'active'
               AND pid <> pg_backend_pid()
               AND now() - query_start > make_interval(secs => ${SLOW_QUERY_SECONDS}))
         END AS slow_queries
    FROM pg_stat_database s
   WHERE s.datname = current_database()`;
