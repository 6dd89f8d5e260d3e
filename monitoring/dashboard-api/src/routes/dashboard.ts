import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HttpError } from '@cloud-backend/shared';
import { Collector } from '../collect/collector.js';
import { insightsData } from '../dashboards/insights.js';
import { securityData } from '../dashboards/security.js';
import { vmHealthData } from '../dashboards/vm-health.js';
import type { Sources } from '../sources/index.js';
import { bearerAuth, errorReplies } from '../schemas/common.js';
import { InsightsQuery, InsightsReply } from '../schemas/insights.js';
import { SecurityReply } from '../schemas/security.js';
import { VmHealthQuery, VmHealthReply } from '../schemas/vm-health.js';
import { envelope } from './reply.js';

export interface DashboardRoutesOptions {
  sources: Sources;
}

/** True for a zone name the runtime knows (the pattern in the schema has already run). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const SOURCES_NOTE =
  ' Every value comes from a PromQL or SQL query evaluated at `timestamp`; a value that cannot ' +
  'be known is null, and metadata.null_fields says why. A source that is down never makes the ' +
  'route fail: its fields are null, and metadata.sources reports it.';

/** The original's three dashboard routes (docs/compatibility.md#dashboard), admin only. */
export const dashboardRoutes: FastifyPluginAsyncTypebox<DashboardRoutesOptions> = async (
  app,
  { sources },
) => {
  const adminOnly = [app.authenticate, app.requireAdmin];

  app.get(
    '/api/dashboard/security',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['dashboard'],
        summary: 'Security dashboard (admin)',
        operationId: 'getSecurityDashboard',
        description: `Logins from auth_logs, token checks and users from Prometheus.${SOURCES_NOTE}`,
        security: bearerAuth,
        response: { 200: SecurityReply, ...errorReplies(401, 403, 500) },
      },
    },
    async () => {
      const started = performance.now();
      const c = new Collector(sources);
      return envelope(c, await securityData(c), started);
    },
  );

  app.get(
    '/api/dashboard/vm-health',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['dashboard'],
        summary: 'Host and service health (admin)',
        operationId: 'getVmHealth',
        description: `node-exporter, up and request latency from Prometheus; a SELECT 1 probe of each database.${SOURCES_NOTE}`,
        security: bearerAuth,
        querystring: VmHealthQuery,
        response: { 200: VmHealthReply, ...errorReplies(400, 401, 403, 500) },
      },
    },
    async (request) => {
      const started = performance.now();
      const c = new Collector(sources);
      return envelope(c, await vmHealthData(c, request.query.window), started);
    },
  );

  app.get(
    '/api/dashboard/insights',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['dashboard'],
        summary: 'Attendance, usage and database insights (admin)',
        operationId: 'getInsights',
        description: `Check-ins and events from user-service's database, logins from auth's, API usage from Prometheus, database figures from PostgreSQL's statistics.${SOURCES_NOTE}`,
        security: bearerAuth,
        querystring: InsightsQuery,
        response: { 200: InsightsReply, ...errorReplies(400, 401, 403, 500) },
      },
    },
    async (request) => {
      const { limit, days, timezone } = request.query;
      if (!isTimeZone(timezone)) {
        throw new HttpError(400, 'VALIDATION_ERROR', 'Invalid request', [
          { field: 'querystring.timezone', message: 'is not a known IANA time zone' },
        ]);
      }
      const started = performance.now();
      const c = new Collector(sources);
      return envelope(c, await insightsData(c, { limit, days, timezone }), started);
    },
  );
};
