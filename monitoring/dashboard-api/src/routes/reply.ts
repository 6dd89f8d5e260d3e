import type { Collector } from '../collect/collector.js';

/** data_source of every route: each reads Prometheus and the databases. */
export const DATA_SOURCE = 'prometheus+database';

/**
 * The original's envelope (docs/compatibility.md#dashboard) around a route's data, with the port's
 * report of each source and each null field in `metadata`. `timestamp` is the instant every query
 * was evaluated at, so a client can repeat one against Prometheus (`time=`).
 */
export async function envelope<Data extends object>(c: Collector, data: Data, startedMs: number) {
  const report = await c.report();
  const elapsed = Math.round(performance.now() - startedMs);
  const now = new Date().toISOString();
  return {
    status: 'success' as const,
    timestamp: c.at.toISOString(),
    data: {
      ...data,
      metadata: { data_source: DATA_SOURCE, last_updated: now, collection_time_ms: elapsed },
    },
    metadata: {
      version: '1.0' as const,
      last_update: now,
      data_source: DATA_SOURCE,
      response_time_ms: elapsed,
      ...report,
    },
  };
}
