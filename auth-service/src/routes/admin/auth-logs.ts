import { parseTimeRange } from '@cloud-backend/shared';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthDeps } from '../../domain/deps.js';
import { pagesTotal, parsePaging } from '../../domain/paging.js';
import {
  AUTH_ACTIONS,
  authLogPage,
  authLogStats,
  type AuthLogRow,
} from '../../repositories/auth-logs.js';
import { responses, Timestamp } from '../../schemas/common.js';

const LogItem = Type.Object({
  id: Type.Integer(),
  user_email: Type.String(),
  username: Type.Optional(Type.String({ description: 'left out when empty' })),
  action: Type.String(),
  timestamp: Timestamp,
  ip_address: Type.Optional(Type.String({ description: "the client's, left out when unknown" })),
  user_agent: Type.Optional(Type.String()),
  success: Type.Boolean(),
});

const LogPage = Type.Object({
  logs: Type.Array(LogItem),
  total: Type.Integer({ description: 'entries matching the filter' }),
  page: Type.Integer(),
  limit: Type.Integer(),
  stats: Type.Object({
    total_logs: Type.Integer(),
    current_page: Type.Integer(),
    pages_total: Type.Integer(),
    successes: Type.Integer(),
    failures: Type.Integer(),
    unique_users: Type.Integer({ description: 'distinct known accounts among the entries' }),
  }),
});

const LogQuery = Type.Object({
  page: Type.Optional(Type.String({ description: 'default 1' })),
  limit: Type.Optional(Type.String({ description: '1 to 500, default 50' })),
  user_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
  email: Type.Optional(Type.String({ maxLength: 255, pattern: '^[^\\u0000]*$' })),
  action: Type.Optional(Type.Union(AUTH_ACTIONS.map((action) => Type.Literal(action)))),
  success: Type.Optional(Type.Boolean()),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
});

function item(row: AuthLogRow) {
  return {
    id: row.id,
    user_email: row.user_email,
    ...(row.username ? { username: row.username } : {}),
    action: row.action,
    timestamp: row.timestamp.toISOString(),
    ...(row.ip_address ? { ip_address: row.ip_address } : {}),
    ...(row.user_agent ? { user_agent: row.user_agent } : {}),
    success: row.success,
  };
}

export const authLogRoutes: FastifyPluginAsyncTypebox<AuthDeps> = async (app, deps) => {
  app.get(
    '/admin/auth-logs',
    {
      preHandler: [app.authenticate, app.requireAdmin],
      schema: {
        tags: ['admin'],
        security: [{ bearerAuth: [] }],
        summary: 'Login and account events, newest first, filtered and paged in SQL',
        operationId: 'listAuthLogs',
        description:
          'The login, registration and account events of auth-service, newest first, filtered by user, action and time and paged. Admin role required.',
        querystring: LogQuery,
        response: responses({ 200: LogPage }, [400, 401, 403, 503]),
      },
    },
    async (request) => {
      const { query } = request;
      const { page, limit, offset } = parsePaging(query.page, query.limit);
      const filter = {
        userId: query.user_id,
        email: query.email,
        action: query.action,
        success: query.success,
        // The date-time format lets through a leap second or year 0000, which PostgreSQL
        // refuses; parseTimeRange answers those with the same 400 as any invalid query.
        ...parseTimeRange(query),
      };
      const [stats, rows] = await Promise.all([
        authLogStats(deps.pool, filter),
        authLogPage(deps.pool, filter, limit, offset),
      ]);
      return {
        logs: rows.map(item),
        total: stats.total,
        page,
        limit,
        stats: {
          total_logs: stats.total,
          current_page: page,
          pages_total: pagesTotal(stats.total, limit),
          successes: stats.successes,
          failures: stats.failures,
          unique_users: stats.unique_users,
        },
      };
    },
  );
};
