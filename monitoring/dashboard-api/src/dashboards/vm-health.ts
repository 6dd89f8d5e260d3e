import type { Collector } from '../collect/collector.js';
import { GIB, map, percent, round, scalar, unknown, type Unknown } from '../collect/values.js';
import {
  cpuUsagePercent,
  diskAvailableBytes,
  diskTotalBytes,
  HEALTH_JOBS,
  LATENCY_JOBS,
  memoryAvailableBytes,
  memoryTotalBytes,
  networkBitsPerSecond,
  p95SecondsByJob,
  upByJob,
  type Window,
} from '../queries/promql.js';
import type { DatabaseName, Sample } from '../sources/index.js';

const NO_NODE_EXPORTER = 'no data: Prometheus has no node-exporter series';

type ServiceStatus = 'UP' | 'DOWN';
type HealthField = keyof typeof HEALTH_JOBS;
type LatencyField = keyof typeof LATENCY_JOBS;

/** One value per `job` label of a `by (job)` query. */
function byJob(samples: Sample[]): Map<string, number> {
  return new Map(samples.map((sample) => [sample.labels.job ?? '', sample.value]));
}

/** A size in GiB from a byte count, rounded as the original did. */
const gib = (bytes: number) => round(bytes / GIB);

/** Total, available and used (the difference) from two byte-count queries. */
async function capacity(c: Collector, prefix: string, totalQuery: string, availableQuery: string) {
  const total = c.shared(async () =>
    scalar(await c.promql(totalQuery), { empty: NO_NODE_EXPORTER }),
  );
  const available = c.shared(async () =>
    scalar(await c.promql(availableQuery), { empty: NO_NODE_EXPORTER }),
  );
  return Promise.all([
    c.field(`system_resources.${prefix}_total_gb`, async () => map(await total, gib)),
    c.field(`system_resources.${prefix}_available_gb`, async () => map(await available, gib)),
    c.field(`system_resources.${prefix}_used_gb`, async () => {
      const [t, a] = [await total, await available];
      if (typeof t !== 'number') return t;
      if (typeof a !== 'number') return a;
      return gib(t - a);
    }),
  ]);
}

async function systemResources(c: Collector, window: Window) {
  const [cpu, memory, disk, network] = await Promise.all([
    c.field('system_resources.cpu_usage_percent', async () => {
      const value = scalar(await c.promql(cpuUsagePercent(window)), { empty: NO_NODE_EXPORTER });
      return map(value, (percent) => round(Math.min(100, Math.max(0, percent))));
    }),
    capacity(c, 'memory', memoryTotalBytes, memoryAvailableBytes),
    capacity(c, 'disk', diskTotalBytes, diskAvailableBytes),
    c.field('system_resources.network_usage_mbps', async () => {
      const value = scalar(await c.promql(networkBitsPerSecond(window)), {
        empty: NO_NODE_EXPORTER,
      });
      return map(value, (bits) => round(Math.max(0, bits) / 1e6));
    }),
  ]);
  const [memoryTotal, memoryAvailable, memoryUsed] = memory;
  const [diskTotal, diskAvailable, diskUsed] = disk;
  return {
    cpu_usage_percent: cpu,
    memory_total_gb: memoryTotal,
    memory_available_gb: memoryAvailable,
    memory_used_gb: memoryUsed,
    disk_total_gb: diskTotal,
    disk_available_gb: diskAvailable,
    disk_used_gb: diskUsed,
    network_usage_mbps: network,
  };
}

async function serviceHealth(c: Collector) {
  const up = c.shared(async () => byJob(await c.promql(upByJob)));
  const entries = await Promise.all(
    Object.entries(HEALTH_JOBS).map(async ([field, job]) => {
      const status = await c.field(`service_health.${field}`, async () => {
        const value = (await up).get(job);
        if (value === undefined)
          return unknown(`no data: Prometheus has no scrape target for job "${job}"`);
        return value >= 1 ? ('UP' as const) : ('DOWN' as const);
      });
      return [field as HealthField, status] as const;
    }),
  );
  const statuses = Object.fromEntries(entries) as Record<HealthField, ServiceStatus | null>;
  // The totals count the services Prometheus has a target for; a status it cannot know is
  // neither up nor down.
  const known = Object.values(statuses).filter((s): s is ServiceStatus => s !== null);
  const servicesUp = known.filter((s) => s === 'UP').length;
  const [total, upCount, percentage] = await Promise.all([
    c.field('service_health.services_total', async () => {
      await up;
      return known.length;
    }),
    c.field('service_health.services_up', async () => {
      await up;
      return servicesUp;
    }),
    c.field('service_health.health_percentage', async () => {
      await up;
      return percent(servicesUp, known.length, 'no service has a scrape target');
    }),
  ]);
  return {
    ...statuses,
    services_total: total,
    services_up: upCount,
    health_percentage: percentage,
  };
}

async function databaseStatus(c: Collector, name: DatabaseName) {
  const field = `database_health.${name}_status`;
  const probe = c.shared(() => c.probe(name));
  // connected is known to be false when the probe failed; unknown only when not configured.
  const connected = await c.field(`${field}.connected`, async () => {
    try {
      await probe;
      return true;
    } catch (err) {
      if (isNotConfigured(err)) throw err;
      return false;
    }
  });
  const responseTime = await c.field(`${field}.response_time_ms`, async () => round(await probe));
  return { connected, response_time_ms: responseTime };
}

function isNotConfigured(err: unknown): boolean {
  return (err as { kind?: unknown }).kind === 'not_configured';
}

async function responseTimes(c: Collector, window: Window) {
  const p95 = c.shared(async () => byJob(await c.promql(p95SecondsByJob(window))));
  const entries = await Promise.all(
    Object.entries(LATENCY_JOBS).map(async ([field, job]) => {
      const value = await c.field(
        `response_times.${field}`,
        async (): Promise<number | Unknown> => {
          const seconds = (await p95).get(job);
          if (seconds === undefined)
            return unknown(`no data: no request durations from job "${job}"`);
          if (!Number.isFinite(seconds)) {
            return unknown(`no data: job "${job}" answered no API request in the last ${window}`);
          }
          return round(seconds * 1000);
        },
      );
      return [field as LatencyField, value] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<LatencyField, number | null>;
}

/** GET /api/dashboard/vm-health: node-exporter, `up` and latency from Prometheus; DB probes. */
export async function vmHealthData(c: Collector, window: Window) {
  const [system, services, authDb, userDb, latency] = await Promise.all([
    systemResources(c, window),
    serviceHealth(c),
    databaseStatus(c, 'auth_db'),
    databaseStatus(c, 'user_db'),
    responseTimes(c, window),
  ]);
  return {
    system_resources: system,
    service_health: services,
    database_health: { auth_db_status: authDb, user_db_status: userDb },
    response_times: latency,
  };
}
