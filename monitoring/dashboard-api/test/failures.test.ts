import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { freePort } from '@cloud-backend/shared/dev';
import { postgresAdminUrl } from '@cloud-backend/shared/testing';
import * as q from '../src/queries/promql.js';
import { admin, build, fetchDashboard, nullPaths, ROUTES, type Reply } from './helper.js';
import { createDashboardDatabases, type DashboardDatabases } from './support/databases.js';
import { one, startFakePrometheus } from './support/fake-prometheus.js';

/** The null fields whose reason names a source. */
function reasonsOf(reply: Reply, source: string): string[] {
  return Object.values(reply.metadata.null_fields).filter((reason) => reason.startsWith(source));
}

/** A TCP server that accepts connections and never says a word. */
async function silentServer(): Promise<{ url: string; peak(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let peak = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    peak = Math.max(peak, sockets.size);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `127.0.0.1:${String(port)}`,
    peak: () => peak,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a source that is down never fails a route', () => {
  it.each(ROUTES)('%s: Prometheus refusing connections', async (url) => {
    const app = await build({ PROMETHEUS_URL: `http://127.0.0.1:${String(await freePort())}` });
    try {
      const reply = await fetchDashboard(app, url);
      const source = reply.metadata.sources.prometheus;
      expect(source?.status).toBe('unavailable');
      expect(source?.failed).toBe(source?.queries);
      expect(source?.error).toMatch(/^unavailable: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
      const reasons = reasonsOf(reply, 'prometheus');
      expect(reasons.length).toBeGreaterThan(0);
      for (const reason of reasons) {
        expect(reason).toMatch(/^prometheus unavailable: connect ECONNREFUSED/);
      }
      expect(nullPaths(reply.data)).toEqual(Object.keys(reply.metadata.null_fields));
    } finally {
      await app.close();
    }
  });

  it('a Prometheus that never answers costs one timeout, not one per query', async () => {
    const prometheus = await startFakePrometheus({}, { otherwise: 'hang' });
    const app = await build({ PROMETHEUS_URL: prometheus.url, PROMETHEUS_TIMEOUT_MS: '300' });
    try {
      const reply = await fetchDashboard(app, '/api/dashboard/vm-health');
      // Every query asked at once, so they wait out one timeout together, where the original
      // waited 15 × 5 s in series. Counted, not timed: a loaded machine stretches any time.
      expect(prometheus.received.length).toBeGreaterThanOrEqual(8);
      expect(prometheus.peakOpen).toBe(prometheus.received.length);
      expect(reply.metadata.sources.prometheus).toMatchObject({
        status: 'unavailable',
        error: 'timeout: no answer within 300 ms',
      });
      expect(reply.metadata.null_fields['system_resources.cpu_usage_percent']).toBe(
        'prometheus timeout: no answer within 300 ms',
      );
    } finally {
      await app.close();
      await prometheus.close();
    }
  });

  it('a refused query nulls its own fields only (degraded)', async () => {
    const prometheus = await startFakePrometheus({
      [q.activeUsers]: {
        status: 400,
        body: JSON.stringify({
          status: 'error',
          errorType: 'bad_data',
          error: 'parse error: unexpected character',
        }),
      },
      [q.jwtValidations24h('success')]: one('3'),
      [q.jwtValidations24h('failed')]: one('1'),
    });
    const app = await build({ PROMETHEUS_URL: prometheus.url });
    try {
      const reply = await fetchDashboard(app, '/api/dashboard/security');
      expect(reply.data.jwt_validation).toMatchObject({
        valid_tokens_24h: 3,
        invalid_tokens_24h: 1,
      });
      expect(reply.metadata.null_fields['user_activity.active_users_current']).toBe(
        'prometheus query failed: parse error: unexpected character',
      );
      expect(reply.metadata.sources.prometheus).toEqual({
        status: 'degraded',
        queries: 3,
        failed: 1,
        error: 'query failed: parse error: unexpected character',
      });
    } finally {
      await app.close();
      await prometheus.close();
    }
  });

  it('something that is not Prometheus (an HTML 502) is reported as unavailable', async () => {
    const prometheus = await startFakePrometheus(
      {},
      { otherwise: { status: 502, body: '<html>Bad Gateway</html>' } },
    );
    const app = await build({ PROMETHEUS_URL: prometheus.url });
    try {
      const reply = await fetchDashboard(app, '/api/dashboard/security');
      expect(reply.metadata.null_fields['jwt_validation.valid_tokens_24h']).toBe(
        'prometheus unavailable: HTTP 502 without a Prometheus API reply',
      );
    } finally {
      await app.close();
      await prometheus.close();
    }
  });

  it.each(ROUTES)('%s: databases refusing connections', async (url) => {
    const port = String(await freePort());
    const app = await build({
      AUTH_DATABASE_URL: `postgres://ro:secret-password@127.0.0.1:${port}/auth`,
      USER_DATABASE_URL: `postgres://ro:secret-password@127.0.0.1:${port}/users`,
    });
    try {
      const response = await app.inject({ url, headers: admin });
      expect(response.statusCode).toBe(200);
      expect(response.body).not.toContain('secret-password');
      const reply = response.json<Reply>();
      for (const name of ['auth_db', 'user_db'] as const) {
        const source = reply.metadata.sources[name];
        if (!source) continue; // security reads auth_db only
        expect(source.status).toBe('unavailable');
        for (const reason of reasonsOf(reply, name)) {
          expect(reason).toMatch(new RegExp(`^${name} unavailable: connect ECONNREFUSED`));
        }
      }
      expect(nullPaths(reply.data)).toEqual(Object.keys(reply.metadata.null_fields));
    } finally {
      await app.close();
    }
  });

  it('vm-health reports an unreachable database as not connected', async () => {
    const app = await build({
      AUTH_DATABASE_URL: `postgres://ro:pw@127.0.0.1:${String(await freePort())}/auth`,
    });
    try {
      const reply = await fetchDashboard<{ database_health: Record<string, unknown> }>(
        app,
        '/api/dashboard/vm-health',
      );
      expect(reply.data.database_health).toEqual({
        auth_db_status: { connected: false, response_time_ms: null },
        user_db_status: { connected: null, response_time_ms: null },
      });
      expect(reply.metadata.null_fields['database_health.user_db_status.connected']).toBe(
        'user_db not configured: USER_DATABASE_URL is not set',
      );
    } finally {
      await app.close();
    }
  });

  it('a database that accepts connections but never answers costs one timeout', async () => {
    const silent = await silentServer();
    const app = await build({
      AUTH_DATABASE_URL: `postgres://ro:pw@${silent.url}/auth`,
      USER_DATABASE_URL: `postgres://ro:pw@${silent.url}/users`,
      DATABASE_QUERY_TIMEOUT_MS: '300',
    });
    try {
      const reply = await fetchDashboard(app, '/api/dashboard/insights');
      // The queries of both databases wait at the same time (counted, not timed).
      expect(silent.peak()).toBeGreaterThan(1);
      expect(reply.metadata.sources.user_db?.status).toBe('unavailable');
      expect(reply.metadata.null_fields['qr_analytics.qr_code_analytics.total_scans_24h']).toMatch(
        /^user_db (unavailable|timeout): /,
      );
    } finally {
      await app.close();
      await silent.close();
    }
  });

  describe('a role without the grants it needs', () => {
    let dbs: DashboardDatabases;
    let app: ServiceApp;
    const role = `dash_none_${String(process.pid)}`;
    beforeAll(async () => {
      dbs = await createDashboardDatabases();
      const admin = new pg.Client({ connectionString: postgresAdminUrl() });
      await admin.connect();
      try {
        await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw'`);
        await admin.query(`GRANT CONNECT ON DATABASE ${dbs.auth.name} TO ${role}`);
      } finally {
        await admin.end();
      }
      const url = new URL(dbs.auth.url);
      url.username = role;
      url.password = 'pw';
      app = await build({ AUTH_DATABASE_URL: url.toString() });
    });
    afterAll(async () => {
      await app.close();
      await dbs.drop();
      const admin = new pg.Client({ connectionString: postgresAdminUrl() });
      await admin.connect();
      try {
        await admin.query(`DROP ROLE IF EXISTS ${role}`);
      } finally {
        await admin.end();
      }
    });

    it('reports the refusal as the reason, and still answers what it can', async () => {
      const reply = await fetchDashboard(app, '/api/dashboard/vm-health');
      // SELECT 1 needs no grant: the database is reachable.
      expect(reply.data.database_health).toMatchObject({ auth_db_status: { connected: true } });
      const security = await fetchDashboard(app, '/api/dashboard/security');
      expect(security.metadata.null_fields['authentication_stats.successful_logins_24h']).toBe(
        'auth_db query failed: permission denied for table auth_logs',
      );
    });
  });
});
