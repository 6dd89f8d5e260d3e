import { Type, type Static } from 'typebox';

/**
 * One security-relevant event (docs/compatibility.md#audit-trail), as auth-service and user-service
 * write it to their outbox and POST it to social-log-service. `id` is chosen by the sender, so a
 * retried delivery is recognised and stored once.
 */
export const AuditEventSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'chosen by the sender; the idempotency key' }),
    occurred_at: Type.String({ format: 'date-time', description: 'RFC 3339, when it happened' }),
    service: Type.String({ minLength: 1, maxLength: 64, description: 'the sending service' }),
    action: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[a-z][a-z0-9_.]*$',
      description: 'what happened, e.g. user.login_failed or attendance.check_in',
    }),
    user_id: Type.Union([Type.Integer(), Type.Null()], {
      description: 'the user the event is about, if known',
    }),
    actor_id: Type.Union([Type.Integer(), Type.Null()], {
      description: 'who did it, when not the user (an admin)',
    }),
    success: Type.Boolean(),
    ip: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
    user_agent: Type.Union([Type.String({ maxLength: 512 }), Type.Null()]),
    request_id: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
    details: Type.Record(Type.String(), Type.Unknown(), {
      description: 'event-specific facts; never passwords or tokens',
    }),
  },
  { additionalProperties: false },
);
export type AuditEvent = Static<typeof AuditEventSchema>;

export const AUDIT_BATCH_MAX = 100;

/** POST body of the ingestion endpoint. */
export const AuditBatchSchema = Type.Object(
  { events: Type.Array(AuditEventSchema, { minItems: 1, maxItems: AUDIT_BATCH_MAX }) },
  { additionalProperties: false },
);
export type AuditBatch = Static<typeof AuditBatchSchema>;

/** Its 200 reply: how many were new and how many had been stored before. */
export const AuditBatchReplySchema = Type.Object({
  accepted: Type.Integer({ minimum: 0 }),
  duplicates: Type.Integer({ minimum: 0 }),
});
export type AuditBatchReply = Static<typeof AuditBatchReplySchema>;

/** Where social-log-service receives events (internal network only, INTERNAL_API_TOKEN). */
export const AUDIT_INGEST_PATH = '/internal/audit/events';
