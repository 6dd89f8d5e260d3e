import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { verifyChain } from '../audit/verify-chain.js';
import { toApiTimestamp, parseTimeRange } from '@cloud-backend/shared';
import { listAuditEvents, type StoredAuditEvent } from '../repositories/audit-events.js';
import { AuditEventsQuery, AuditEventsReply, ChainReportReply } from '../schemas/audit.js';
import { bearerAuth, errorReplies } from '../schemas/common.js';

function toReply(event: StoredAuditEvent) {
  return {
    ...event,
    occurred_at: toApiTimestamp(event.occurred_at),
    received_at: toApiTimestamp(event.received_at),
  };
}

/** The audit trail for admins: GET /api/social/audit and GET /api/social/audit/verify. */
export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const adminOnly = [app.authenticate, app.requireAdmin];

  app.get(
    '/api/social/audit',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['audit'],
        summary: 'Query the audit trail (admin)',
        operationId: 'listAuditEvents',
        description:
          'Security-relevant events from every service, newest first (by occurred_at), with ' +
          'their place in the hash chain.',
        security: bearerAuth,
        querystring: AuditEventsQuery,
        response: { 200: AuditEventsReply, ...errorReplies(400, 401, 403, 500, 503) },
      },
    },
    async (request) => {
      const { user_id: userId, action, service, page, limit } = request.query;
      const filter = { userId, action, service, ...parseTimeRange(request.query) };
      const { events, total } = await listAuditEvents(app.db, filter, { page, limit });
      return { events: events.map(toReply), total, page, limit };
    },
  );

  app.get(
    '/api/social/audit/verify',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['audit'],
        summary: 'Verify the audit hash chain (admin)',
        operationId: 'verifyAuditChain',
        description:
          "Recomputes every row's hash in id order and checks that each row links to the one " +
          'before it. first_broken_id is the first row that does not verify.',
        security: bearerAuth,
        response: { 200: ChainReportReply, ...errorReplies(401, 403, 500, 503) },
      },
    },
    async () => verifyChain(app.db),
  );
};
