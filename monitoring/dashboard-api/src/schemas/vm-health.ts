import { Type } from 'typebox';
import { WINDOWS } from '../queries/promql.js';
import { Envelope } from './envelope.js';
import { NullableInteger, NullableNumber, Percentage } from './common.js';

export const VmHealthQuery = Type.Object({
  window: Type.Union(
    WINDOWS.map((w) => Type.Literal(w)),
    { default: '5m', description: 'the rate window of CPU, network and latency figures' },
  ),
});

const Status = Type.Union([Type.Literal('UP'), Type.Literal('DOWN'), Type.Null()], {
  description:
    'max by (job) (up): UP when an instance answered its last scrape, DOWN when none did; ' +
    'null when Prometheus has no target for the service',
});

const DatabaseStatus = Type.Object({
  connected: Type.Union([Type.Boolean(), Type.Null()], {
    description: 'whether SELECT 1 answered on the read-only connection; null when not configured',
  }),
  response_time_ms: NullableNumber("SELECT 1's round trip from the dashboard, in ms"),
});

const Gb = (what: string) => NullableNumber(`${what} in GiB, two decimals`);

export const VmHealthReply = Envelope(
  {
    system_resources: Type.Object({
      cpu_usage_percent: Percentage(
        '100 × (1 − avg(rate(node_cpu_seconds_total{mode="idle"}[window])))',
      ),
      memory_total_gb: Gb('sum(node_memory_MemTotal_bytes)'),
      memory_available_gb: Gb('sum(node_memory_MemAvailable_bytes)'),
      memory_used_gb: Gb('total − available'),
      disk_total_gb: Gb('sum(node_filesystem_size_bytes{mountpoint="/"})'),
      disk_available_gb: Gb('sum(node_filesystem_avail_bytes{mountpoint="/"})'),
      disk_used_gb: Gb('total − available'),
      network_usage_mbps: NullableNumber(
        'received + transmitted megabits (10⁶) per second on physical interfaces',
      ),
    }),
    service_health: Type.Object({
      auth_service_status: Status,
      user_service_status: Status,
      gateway_status: Status,
      prometheus_status: Status,
      social_log_service_status: Status,
      services_total: NullableInteger('services above that Prometheus has a target for'),
      services_up: NullableInteger('of those, the ones UP'),
      health_percentage: Percentage('services_up / services_total'),
    }),
    database_health: Type.Object({
      auth_db_status: DatabaseStatus,
      user_db_status: DatabaseStatus,
    }),
    response_times: Type.Object({
      auth_service_ms: NullableNumber('p95 duration of API requests over the window, in ms'),
      user_service_ms: NullableNumber('p95, user-service'),
      gateway_ms: NullableNumber('p95, gateway'),
      social_log_service_ms: NullableNumber('p95, social-log-service'),
    }),
  },
  'Host resources, service health, database reachability and latency',
);
