import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { freePort } from '@cloud-backend/shared/dev';
import {
  TEST_JWT_SECRET,
  TEST_SIGNING_KEYS_FILE,
  spawnTypeScript,
  waitForHttp,
  type SpawnedProcess,
} from '@cloud-backend/shared/testing';
import * as q from '../src/queries/promql.js';
import { build, fetchDashboard, nullPaths, type Reply } from './helper.js';
import { createDashboardDatabases, type DashboardDatabases } from './support/databases.js';
import {
  promQuery,
  requireBinary,
  startNodeExporter,
  startPrometheus,
  waitForQuery,
  type PrometheusServer,
  type RunningProcess,
} from './support/prometheus-server.js';

const AUTH_SERVICE = fileURLToPath(new URL('../../../auth-service/src/server.ts', import.meta.url));
const GIB = 1024 ** 3;
const round = (n: number) => Math.round(n * 100) / 100;

interface Services {
  prometheus: PrometheusServer;
  nodeExporter: RunningProcess & { target: string };
  auth: SpawnedProcess;
  authUrl: string;
  dashboard: ServiceApp;
  dbs: DashboardDatabases;
}

async function post(url: string, body: object): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

/** The value Prometheus itself gives for a query at the reply's instant (null when none). */
async function direct(s: Services, query: string, at: string): Promise<number | null> {
  const [sample] = await promQuery(s.prometheus.url, query, at);
  return sample && Number.isFinite(sample.value) ? sample.value : null;
}

/**
 * Prometheus stamps a scrape with its start; one that started just before the reply's instant
 * and was stored just after it changes the same query at the same instant. Such a race is rare
 * and resolves itself on the next try, whereas a wrong mapping fails every time.
 */
async function eventually(check: () => Promise<void>, attempts = 4): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await check();
      return;
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1200));
    }
  }
}

describe("against Debian's Prometheus scraping running services", () => {
  let s: Services;
  // Undone in reverse order, whatever point the set-up reached.
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    // Before anything starts: a missing package fails here, naming it (never a skip).
    requireBinary('prometheus');
    requireBinary('prometheus-node-exporter');
    const dbs = await createDashboardDatabases();
    cleanup.push(() => dbs.drop());
    const nodeExporter = await startNodeExporter();
    cleanup.push(() => nodeExporter.stop());
    const authPort = await freePort();
    const auth = spawnTypeScript(AUTH_SERVICE, {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(authPort),
      DATABASE_URL: dbs.auth.url,
      JWT_SECRET: TEST_JWT_SECRET,
      JWT_SIGNING_KEYS_FILE: TEST_SIGNING_KEYS_FILE,
      BCRYPT_COST: '4',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    });
    cleanup.push(async () => {
      auth.child.kill('SIGTERM');
      await auth.exited;
    });
    const authUrl = `http://127.0.0.1:${String(authPort)}`;
    // The dashboard's own scrape target is this process (its /metrics, job dashboard-api).
    const dashboardPort = await freePort();
    const prometheus = await startPrometheus({
      'auth-service': `127.0.0.1:${String(authPort)}`,
      'dashboard-api': `127.0.0.1:${String(dashboardPort)}`,
      node: nodeExporter.target,
    });
    cleanup.push(() => prometheus.stop());
    const dashboard = await build({
      PROMETHEUS_URL: prometheus.url,
      AUTH_DATABASE_URL: dbs.readonly.auth,
      USER_DATABASE_URL: dbs.readonly.user,
    });
    cleanup.push(() => dashboard.close());
    await dashboard.listen({ host: '127.0.0.1', port: dashboardPort });
    s = { prometheus, nodeExporter, auth, authUrl, dashboard, dbs };
    await waitForHttp(`${authUrl}/health`, 45_000).catch((err: unknown) => {
      throw new Error(`auth-service did not start: ${auth.output()}`, { cause: err });
    });

    // Every target up, then traffic. Prometheus's increase() ignores a series' first sample,
    // so the counters are created first and incremented again once they have been scraped.
    await waitForQuery(prometheus.url, 'sum(up)', (r) => r[0]?.value === 4);
    const user = {
      email: 'ada@example.com',
      name: 'Ada',
      surname: 'Lovelace',
      password: 'correct horse battery',
    };
    expect(await post(`${authUrl}/register`, user)).toBe(201);
    expect(await post(`${authUrl}/login`, { email: user.email, password: 'wrong password!' })).toBe(
      401,
    );
    await waitForQuery(
      prometheus.url,
      'auth_attempts_total{job="auth-service"}',
      (r) => r.length === 2,
    );
    await new Promise((resolve) => setTimeout(resolve, 1100));
    for (let i = 0; i < 3; i++) {
      expect(await post(`${authUrl}/login`, { email: user.email, password: user.password })).toBe(
        200,
      );
    }
    expect(await post(`${authUrl}/login`, { email: user.email, password: 'wrong again!!' })).toBe(
      401,
    );
    await waitForQuery(
      prometheus.url,
      'sum(increase(http_requests_total{job="auth-service",endpoint="/login"}[1m]))',
      (r) => (r[0]?.value ?? 0) > 0,
    );
  }, 120_000);

  afterAll(async () => {
    for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
  }, 60_000);

  it('vm-health: every Prometheus field is what Prometheus says at the same instant', async () => {
    await eventually(async () => {
      const reply = await fetchDashboard<{
        system_resources: Record<string, number | null>;
        service_health: Record<string, unknown>;
        response_times: Record<string, number | null>;
        database_health: Record<string, unknown>;
      }>(s.dashboard, '/api/dashboard/vm-health?window=1m');
      const at = reply.timestamp;
      const sys = reply.data.system_resources;
      const cpu = await direct(s, q.cpuUsagePercent('1m'), at);
      expect(sys.cpu_usage_percent).toBe(
        cpu === null ? null : round(Math.min(100, Math.max(0, cpu))),
      );
      expect(sys.cpu_usage_percent).not.toBeNull();
      const memTotal = await direct(s, q.memoryTotalBytes, at);
      const memAvailable = await direct(s, q.memoryAvailableBytes, at);
      expect(memTotal).not.toBeNull();
      expect(sys.memory_total_gb).toBe(round((memTotal ?? 0) / GIB));
      expect(sys.memory_available_gb).toBe(round((memAvailable ?? 0) / GIB));
      expect(sys.memory_used_gb).toBe(round(((memTotal ?? 0) - (memAvailable ?? 0)) / GIB));
      const diskTotal = await direct(s, q.diskTotalBytes, at);
      expect(sys.disk_total_gb).toBe(diskTotal === null ? null : round(diskTotal / GIB));
      const network = await direct(s, q.networkBitsPerSecond('1m'), at);
      expect(sys.network_usage_mbps).toBe(
        network === null ? null : round(Math.max(0, network) / 1e6),
      );

      // Scraped: auth-service and Prometheus. Not scraped here: user-service, gateway, social-log.
      expect(reply.data.service_health).toEqual({
        auth_service_status: 'UP',
        user_service_status: null,
        gateway_status: null,
        prometheus_status: 'UP',
        social_log_service_status: null,
        services_total: 2,
        services_up: 2,
        health_percentage: 100,
      });
      const [authP95] = await promQuery(s.prometheus.url, q.p95SecondsByJob('1m'), at);
      expect(authP95?.labels.job).toBe('auth-service');
      expect(reply.data.response_times.auth_service_ms).toBe(round((authP95?.value ?? NaN) * 1000));
      expect(reply.data.response_times.auth_service_ms).toBeGreaterThan(0);
      expect(reply.data.database_health).toMatchObject({
        auth_db_status: { connected: true },
        user_db_status: { connected: true },
      });
      expect(reply.metadata.sources).toMatchObject({
        prometheus: { status: 'ok', failed: 0 },
        auth_db: { status: 'ok' },
        user_db: { status: 'ok' },
      });
      expect(nullPaths(reply.data)).toEqual(Object.keys(reply.metadata.null_fields));
    });
  });

  it('security: logins from auth_logs, token counts from Prometheus', async () => {
    await eventually(async () => {
      const reply: Reply = await fetchDashboard(s.dashboard, '/api/dashboard/security');
      expect(reply.data.authentication_stats).toEqual({
        successful_logins_24h: 3,
        failed_attempts_24h: 2,
        success_rate_percent: 60,
        account_lockouts_24h: 0,
      });
      expect(reply.data.security_level).toBe('HIGH_RISK');
      // Every query parsed and ran on the real server.
      expect(reply.metadata.sources.prometheus).toMatchObject({ status: 'ok', failed: 0 });
      // No gateway is scraped here, so nobody counts token checks: unknown, not zero.
      expect(reply.data.jwt_validation).toEqual({
        valid_tokens_24h: null,
        invalid_tokens_24h: null,
        validation_rate: null,
      });
      expect(await direct(s, q.jwtValidations24h('success'), reply.timestamp)).toBeNull();
      expect(reply.metadata.null_fields['jwt_validation.valid_tokens_24h']).toMatch(
        /no gateway target/,
      );
    });
  });

  it('insights: API usage is what Prometheus says at the same instant', async () => {
    await eventually(async () => {
      const reply = await fetchDashboard<{
        usage_patterns: { api_usage_stats: Record<string, unknown> };
        user_activity: {
          user_behavior: { feature_usage: { service: string; requests: number }[] };
        };
      }>(s.dashboard, '/api/dashboard/insights');
      const at = reply.timestamp;
      expect(reply.metadata.sources).toMatchObject({
        prometheus: { status: 'ok', queries: 9, failed: 0 },
        auth_db: { status: 'ok' },
        user_db: { status: 'ok' },
      });
      const usage = reply.data.usage_patterns.api_usage_stats;
      const total = await direct(s, q.totalRequests24h, at);
      expect(total).not.toBeNull();
      expect(usage.total_requests_24h).toBe(Math.round(total ?? NaN));
      const byJob = await promQuery(s.prometheus.url, q.requestsByJob24h, at);
      expect(
        reply.data.user_activity.user_behavior.feature_usage.map((f) => f.service).sort(),
      ).toEqual(byJob.map((sample) => sample.labels.job).sort());
      const top = usage.top_endpoints as { service: string; endpoint: string; requests: number }[];
      expect(top).toContainEqual(
        expect.objectContaining({
          service: 'auth-service',
          endpoint: '/login',
          requests: expect.any(Number) as unknown,
        }),
      );
      const login = await direct(
        s,
        'sum(increase(http_requests_total{job="auth-service",method="POST",endpoint="/login"}[24h]))',
        at,
      );
      expect(top.find((t) => t.endpoint === '/login')?.requests).toBe(Math.round(login ?? NaN));
    });
  });
});
