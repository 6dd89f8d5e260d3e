import { Gauge } from 'prom-client';
import { registry } from '@cloud-backend/shared';

interface SyncReport {
  /**
   * Up to when the gateway's revocation list is complete (ms since the epoch); before the first
   * read, when the gateway started, so that one that never loads the feed ages too.
   */
  currentAt(): number;
  revokedSessions(): number;
}

// One gateway per process in production, several in tests: the gauges exist once and report
// every live instance (the oldest sync, the largest list), as shared's pool gauge does.
const reports = new Set<SyncReport>();

new Gauge({
  name: 'gateway_revocation_sync_age_seconds',
  help:
    "Seconds since the gateway last read auth-service's revocation feed completely (itself, " +
    'or through the Redis mirror); above REVOCATION_MAX_STALENESS_MS it refuses tokens',
  registers: [registry],
  collect() {
    const times = [...reports].map((report) => report.currentAt()).filter((t) => t > 0);
    if (times.length > 0) this.set((Date.now() - Math.min(...times)) / 1000);
  },
});

new Gauge({
  name: 'gateway_revoked_sessions',
  help: 'Revoked sessions whose access tokens the gateway still refuses',
  registers: [registry],
  collect() {
    this.set(Math.max(0, ...[...reports].map((report) => report.revokedSessions())));
  },
});

/** Reports a revocation sync in the gauges until the returned function runs. */
export function reportRevocationSync(report: SyncReport): () => void {
  reports.add(report);
  return () => reports.delete(report);
}
