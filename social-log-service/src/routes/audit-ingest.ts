import {
  AUDIT_INGEST_PATH,
  AuditBatchReplySchema,
  AuditBatchSchema,
  HttpError,
  requireInternalToken,
} from '@cloud-backend/shared';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { normaliseEvents } from '../audit/normalise-events.js';
import { appendAuditEvents } from '../repositories/audit-events.js';
import { errorReplies, serviceToken } from '../schemas/common.js';

export interface AuditIngestOptions {
  /** INTERNAL_API_TOKEN; without it the route answers 503 (shared requireInternalToken). */
  internalToken: string | undefined;
}

/**
 * POST /internal/audit/events: batches from the audit outboxes of auth-service and user-service.
 * Idempotent on the event id, so a sender may resend a batch it is unsure was stored.
 */
export const auditIngestRoutes: FastifyPluginAsyncTypebox<AuditIngestOptions> = async (
  app,
  options,
) => {
  app.post(
    AUDIT_INGEST_PATH,
    {
      // onRequest: a caller without the credential never gets its body parsed.
      onRequest: [requireInternalToken(options.internalToken)],
      schema: {
        tags: ['internal'],
        summary: 'Receive audit events (service to service)',
        operationId: 'ingestAuditEvents',
        description:
          'Appends the events to the hash-chained audit trail. An event id already stored is ' +
          'counted as a duplicate and not stored again. The whole batch is refused (400) when ' +
          'any event is invalid.',
        security: serviceToken,
        body: AuditBatchSchema,
        response: {
          200: AuditBatchReplySchema,
          ...errorReplies(400, 401, 413, 415, 500, 503),
        },
      },
    },
    async (request) => {
      const { events, problems } = normaliseEvents(request.body.events);
      if (problems.length > 0) {
        throw new HttpError(400, 'INVALID_AUDIT_EVENT', 'Invalid audit event', problems);
      }
      const accepted = await appendAuditEvents(app.db, events);
      return { accepted, duplicates: request.body.events.length - accepted };
    },
  );
};
