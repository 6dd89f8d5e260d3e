import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import * as q from '../src/queries/promql.js';
import { build, fetchDashboard, nullPaths, type Reply } from './helper.js';
import { one, startFakePrometheus, type FakePrometheus } from './support/fake-prometheus.js';

const GIB = 1024 ** 3;
const NOT_CONFIGURED = /^(auth|user)_db not configured: (AUTH|USER)_DATABASE_URL is not set$/;

/** Every null field is explained, and every explained field is null. */
function expectNullsExplained(reply: Reply) {
  expect(nullPaths(reply.data)).toEqual(Object.keys(reply.metadata.null_fields));
}

// Recorded answers in Prometheus's API format; the dashboard's databases are not configured
// here, so the database fields are null and only the Prometheus mapping is under test.
describe('Prometheus answers → dashboard fields', () => {
  let prometheus: FakePrometheus;
  let app: ServiceApp;
  beforeAll(async () => {
    prometheus = await startFakePrometheus({
      // security
      [q.jwtValidations24h('success')]: one('41.6'),
      [q.jwtValidations24h('failed')]: one('7.2'),
      [q.activeUsers]: one('12'),
      // vm-health
      [q.cpuUsagePercent('5m')]: one('37.456'),
      [q.memoryTotalBytes]: one(String(16 * GIB)),
      [q.memoryAvailableBytes]: one(String(6.5 * GIB)),
      [q.diskTotalBytes]: one(String(100 * GIB)),
      [q.diskAvailableBytes]: one(String(40.25 * GIB)),
      [q.networkBitsPerSecond('5m')]: one('12500000'),
      [q.upByJob]: {
        vector: [
          [{ job: 'auth-service' }, '1'],
          [{ job: 'user-service' }, '0'],
          [{ job: 'gateway' }, '1'],
          [{ job: 'prometheus' }, '1'],
        ],
      },
      [q.p95SecondsByJob('5m')]: {
        vector: [
          [{ job: 'auth-service' }, '0.0123'],
          [{ job: 'user-service' }, 'NaN'],
          [{ job: 'gateway' }, '0.25'],
        ],
      },
      // insights
      [q.scanSuccessPercent]: one('87.5'),
      [q.averageScanMs]: one('23.456'),
      [q.totalRequests24h]: one('1234.4'),
      [q.requestsByJob24h]: {
        vector: [
          [{ job: 'auth-service' }, '100.2'],
          [{ job: 'user-service' }, '300'],
        ],
      },
      [q.topEndpoints24h(10)]: {
        vector: [
          [{ job: 'auth-service', method: 'POST', endpoint: '/login' }, '90.4'],
          [{ job: 'user-service', method: 'POST', endpoint: '/qr/scan' }, '250'],
          [{ job: 'user-service', method: 'GET', endpoint: '/profile' }, '0'],
        ],
      },
      [q.averageMsByJob24h]: {
        vector: [
          [{ job: 'auth-service' }, '12.345'],
          [{ job: 'user-service' }, 'NaN'],
        ],
      },
      [q.p95MsByJob24h]: { vector: [[{ job: 'auth-service' }, '45.678']] },
      [q.serverErrorsByEndpoint24h]: {
        vector: [
          [{ job: 'user-service', endpoint: '/qr/scan' }, '3'],
          [{ job: 'auth-service', endpoint: '/login' }, '0'],
        ],
      },
      [q.requestsByEndpoint24h]: {
        vector: [
          [{ job: 'user-service', endpoint: '/qr/scan' }, '60'],
          [{ job: 'auth-service', endpoint: '/login' }, '90'],
        ],
      },
    });
    app = await build({ PROMETHEUS_URL: prometheus.url });
  });
  afterAll(async () => {
    await app.close();
    await prometheus.close();
  });

  it('security: token counts, their rate and active users', async () => {
    const reply = await fetchDashboard(app, '/api/dashboard/security');
    expect(reply.data.jwt_validation).toEqual({
      valid_tokens_24h: 42,
      invalid_tokens_24h: 7,
      validation_rate: 85.71,
    });
    expect(reply.data.user_activity).toEqual({
      active_users_current: 12,
      suspicious_activity: null,
    });
    expect(reply.metadata.sources.prometheus).toEqual({
      status: 'ok',
      queries: 3,
      failed: 0,
      error: null,
    });
    expectNullsExplained(reply);
    for (const reason of Object.values(reply.metadata.null_fields)) {
      expect(reason).toMatch(NOT_CONFIGURED);
    }
  });

  it('evaluates every query of a reply at its timestamp', async () => {
    prometheus.received.length = 0;
    const reply = await fetchDashboard(app, '/api/dashboard/security');
    const at = (Date.parse(reply.timestamp) / 1000).toFixed(3);
    expect(prometheus.received.map((r) => r.time)).toEqual([at, at, at]);
  });

  it('vm-health: resources, statuses, totals and latency', async () => {
    const reply = await fetchDashboard(app, '/api/dashboard/vm-health');
    expect(reply.data.system_resources).toEqual({
      cpu_usage_percent: 37.46,
      memory_total_gb: 16,
      memory_available_gb: 6.5,
      memory_used_gb: 9.5,
      disk_total_gb: 100,
      disk_available_gb: 40.25,
      disk_used_gb: 59.75,
      network_usage_mbps: 12.5,
    });
    expect(reply.data.service_health).toEqual({
      auth_service_status: 'UP',
      user_service_status: 'DOWN',
      gateway_status: 'UP',
      prometheus_status: 'UP',
      social_log_service_status: null,
      services_total: 4,
      services_up: 3,
      health_percentage: 75,
    });
    expect(reply.data.response_times).toEqual({
      auth_service_ms: 12.3,
      user_service_ms: null,
      gateway_ms: 250,
      social_log_service_ms: null,
    });
    const reasons = reply.metadata.null_fields;
    expect(reasons['service_health.social_log_service_status']).toBe(
      'no data: Prometheus has no scrape target for job "social-log-service"',
    );
    // The original answered 500 here: NaN from histogram_quantile without traffic.
    expect(reasons['response_times.user_service_ms']).toBe(
      'no data: job "user-service" answered no API request in the last 5m',
    );
    expect(reasons['response_times.social_log_service_ms']).toBe(
      'no data: no request durations from job "social-log-service"',
    );
    expectNullsExplained(reply);
  });

  it('vm-health: ?window= changes the rate window', async () => {
    prometheus.answer(q.cpuUsagePercent('1h'), one('101.5'));
    const reply = await fetchDashboard<{ system_resources: { cpu_usage_percent: number } }>(
      app,
      '/api/dashboard/vm-health?window=1h',
    );
    // Clamped: rate() extrapolation can overshoot by a hair.
    expect(reply.data.system_resources.cpu_usage_percent).toBe(100);
    const sent = prometheus.received.map((r) => r.query);
    expect(sent).toContain(q.networkBitsPerSecond('1h'));
    expect(sent).toContain(q.p95SecondsByJob('1h'));
  });

  it('insights: scans, usage, latency and errors', async () => {
    const reply = await fetchDashboard(app, '/api/dashboard/insights');
    const data = reply.data as Record<string, Record<string, Record<string, unknown>>>;
    expect(data.qr_analytics?.qr_code_analytics).toMatchObject({
      scan_success_rate: 87.5,
      average_scan_time_ms: 23.46,
      top_scan_locations: null,
    });
    expect(data.user_activity?.user_behavior?.feature_usage).toEqual([
      { service: 'user-service', requests: 300 },
      { service: 'auth-service', requests: 100 },
    ]);
    expect(data.usage_patterns?.api_usage_stats).toEqual({
      total_requests_24h: 1234,
      top_endpoints: [
        { service: 'user-service', method: 'POST', endpoint: '/qr/scan', requests: 250 },
        { service: 'auth-service', method: 'POST', endpoint: '/login', requests: 90 },
      ],
      response_times_by_api: [
        { api: 'auth-service', avg_response_ms: 12.35, p95_response_ms: 45.68 },
      ],
      errors_by_endpoint: [
        { service: 'user-service', endpoint: '/qr/scan', error_count: 3, error_rate_percent: 5 },
      ],
    });
    expect(data.event_insights?.attendance_stats?.department_stats).toBeNull();
    expect(reply.metadata.null_fields['event_insights.attendance_stats.department_stats']).toBe(
      'not recorded: users have no department',
    );
    expect(
      reply.metadata.null_fields['usage_patterns.database_metrics.queries_per_second'],
    ).toMatch(/^not measured/);
    expectNullsExplained(reply);
  });

  it('insights: ?limit= bounds the top-N queries', async () => {
    prometheus.received.length = 0;
    await fetchDashboard(app, '/api/dashboard/insights?limit=3');
    expect(prometheus.received.map((r) => r.query)).toContain(q.topEndpoints24h(3));
  });

  it('a series-less counter and NaN ratios are null with their reasons', async () => {
    const empty = await startFakePrometheus({ [q.scanSuccessPercent]: one('NaN') });
    const bare = await build({ PROMETHEUS_URL: empty.url });
    try {
      const security = await fetchDashboard(bare, '/api/dashboard/security');
      expect(security.metadata.null_fields['jwt_validation.valid_tokens_24h']).toBe(
        'no data: Prometheus has no jwt_validation_total series and no gateway target',
      );
      const insights = await fetchDashboard<{
        usage_patterns: { api_usage_stats: Record<string, unknown> };
      }>(bare, '/api/dashboard/insights');
      const reasons = insights.metadata.null_fields;
      expect(reasons['qr_analytics.qr_code_analytics.scan_success_rate']).toBe(
        'no QR scans in the last 24 hours',
      );
      // Lists Prometheus answered with no series are known to be empty, not unknown.
      const usage = insights.data.usage_patterns.api_usage_stats;
      expect(usage.top_endpoints).toEqual([]);
      expect(usage.errors_by_endpoint).toEqual([]);
      expect(insights.metadata.sources.prometheus?.status).toBe('ok');
    } finally {
      await bare.close();
      await empty.close();
    }
  });
});
