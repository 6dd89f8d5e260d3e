import type { Collector } from '../collect/collector.js';
import { formatSize, percent, unknown, type Unknown } from '../collect/values.js';
import {
  DATABASE_STATS,
  SLOW_QUERY_SECONDS,
  type DatabaseStats,
} from '../queries/database-stats.js';
import type { DatabaseName } from '../sources/index.js';

const PATH = 'usage_patterns.database_metrics';
const DATABASES: DatabaseName[] = ['auth_db', 'user_db'];

const NOT_MEASURED =
  'not measured: PostgreSQL keeps cumulative counters only, and no exporter records their rate';
const NO_READS = 'no blocks read yet';

function slowQueriesUnknown(name: DatabaseName): Unknown {
  return unknown(
    `not visible: the ${name} role is not a member of pg_read_all_stats, so other roles' ` +
      'running queries are hidden from it',
  );
}

function cacheHitRate(hit: number, read: number): number | Unknown {
  return percent(hit, hit + read, NO_READS);
}

/** One database's figures, in the original's field names; null fields recorded under `path`. */
function describe(c: Collector, path: string, name: DatabaseName, stats: DatabaseStats) {
  const hitRate = cacheHitRate(stats.blocks_hit, stats.blocks_read);
  return {
    connections_active: stats.connections,
    slow_queries_count:
      stats.slow_queries ??
      c.markNull(`${path}.slow_queries_count`, slowQueriesUnknown(name).reason),
    database_size: formatSize(stats.size_bytes),
    database_size_bytes: stats.size_bytes,
    cache_hit_rate_percent:
      typeof hitRate === 'number'
        ? hitRate
        : c.markNull(`${path}.cache_hit_rate_percent`, hitRate.reason),
  };
}

/**
 * usage_patterns.database_metrics: the original's five fixed numbers, now measured on the
 * databases the dashboard reads (auth and user). The top-level figures add both up and are null
 * unless both answered; `databases` has each one's own.
 */
export async function databaseMetrics(c: Collector) {
  const query = (name: DatabaseName) =>
    c.shared(async () => {
      const [row] = await c.sql<DatabaseStats>(name, DATABASE_STATS);
      if (!row) throw new Error('pg_stat_database has no row for the current database');
      return row;
    });
  const stats: Record<DatabaseName, Promise<DatabaseStats>> = {
    auth_db: query('auth_db'),
    user_db: query('user_db'),
  };
  const both = () => Promise.all(DATABASES.map((name) => stats[name]));
  const sum = (rows: DatabaseStats[], pick: (row: DatabaseStats) => number) =>
    rows.reduce((total, row) => total + pick(row), 0);
  const single = (name: DatabaseName) => {
    const path = `${PATH}.databases.${name}`;
    return c.field(path, async () => describe(c, path, name, await stats[name]));
  };

  const [connections, queriesPerSecond, slow, size, sizeBytes, hitRate, authDb, userDb] =
    await Promise.all([
      c.field(`${PATH}.connections_active`, async () => sum(await both(), (r) => r.connections)),
      c.field(`${PATH}.queries_per_second`, (): number | Unknown => unknown(NOT_MEASURED)),
      c.field(`${PATH}.slow_queries_count`, async () => {
        const rows = await both();
        const hidden = DATABASES.find((_, i) => rows[i]?.slow_queries === null);
        return hidden ? slowQueriesUnknown(hidden) : sum(rows, (r) => r.slow_queries ?? 0);
      }),
      c.field(`${PATH}.database_size`, async () => {
        return formatSize(sum(await both(), (r) => r.size_bytes));
      }),
      c.field(`${PATH}.database_size_bytes`, async () => sum(await both(), (r) => r.size_bytes)),
      c.field(`${PATH}.cache_hit_rate_percent`, async () => {
        const rows = await both();
        return cacheHitRate(
          sum(rows, (r) => r.blocks_hit),
          sum(rows, (r) => r.blocks_read),
        );
      }),
      single('auth_db'),
      single('user_db'),
    ]);
  return {
    connections_active: connections,
    queries_per_second: queriesPerSecond,
    slow_queries_count: slow,
    database_size: size,
    database_size_bytes: sizeBytes,
    cache_hit_rate_percent: hitRate,
    slow_query_threshold_seconds: SLOW_QUERY_SECONDS,
    databases: { auth_db: authDb, user_db: userDb },
  };
}
