import { Type } from 'typebox';
import { PageQuery, PageReply, textFilter, timeFilter, Timestamp, UserIdFilter } from './common.js';

const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);
const Hash = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256, lowercase hex' });

/** What the chain hashes of an event: all of it but its position and the hashes themselves. */
export const ChainedFieldsSchema = Type.Object({
  event_id: Type.String({ format: 'uuid' }),
  occurred_at: Timestamp,
  service: Type.String(),
  action: Type.String(),
  user_id: NullableInteger,
  actor_id: NullableInteger,
  success: Type.Boolean(),
  ip: NullableString,
  user_agent: NullableString,
  request_id: NullableString,
  details: Type.Record(Type.String(), Type.Unknown()),
  received_at: Timestamp,
});

export const AuditEventReply = Type.Object({
  id: Type.Integer({ description: 'position in the chain' }),
  ...ChainedFieldsSchema.properties,
  prev_hash: Hash,
  hash: Hash,
});

export const AuditEventsQuery = Type.Object({
  user_id: UserIdFilter,
  action: textFilter(64, 'only this action, e.g. user.login_failed'),
  service: textFilter(64, 'only events sent by this service'),
  from: timeFilter('only events that occurred at or after this instant'),
  to: timeFilter('only events that occurred at or before this instant'),
  ...PageQuery,
});

export const AuditEventsReply = Type.Object({
  events: Type.Array(AuditEventReply),
  ...PageReply,
});

export const ChainReportReply = Type.Object({
  intact: Type.Boolean(),
  checked: Type.Integer({ minimum: 0, description: 'rows examined, the broken one included' }),
  first_broken_id: NullableInteger,
  last_hash: Type.Union([Hash, Type.Null()], {
    description: 'hash of the last row that verified; record it elsewhere to detect a rewrite',
  }),
});
