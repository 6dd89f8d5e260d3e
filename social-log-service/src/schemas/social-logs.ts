import { Type } from 'typebox';
import { PageQuery, PageReply, textFilter, timeFilter, Timestamp, UserIdFilter } from './common.js';

/** Column limits, checked by the route so an over-long value is a 400, not a DB error. */
export const SOCIAL_MAX = 50;
export const STATUS_MAX = 20;
export const CONTENT_MAX = 10_000;

// Every field may be absent or null here: those are "Missing fields", checked by the route,
// while a value of the wrong type is "Invalid body", as in the original.
const Field = (description: string) =>
  Type.Optional(Type.Union([Type.String(), Type.Null()], { description }));

export const NewSocialLogBody = Type.Object({
  social: Field(`required, 1-${SOCIAL_MAX} characters, e.g. "instagram"`),
  timestamp: Field('required, RFC 3339 with a time zone, e.g. "2025-06-22T10:00:00+02:00"'),
  content: Field(`required, 1-${CONTENT_MAX} characters`),
  status: Field(`required, 1-${STATUS_MAX} characters, e.g. "published"`),
});

export const SocialLogReply = Type.Object({
  id: Type.Integer(),
  user_id: Type.Integer({ description: 'who wrote it, from the access token' }),
  social: Type.String(),
  timestamp: Timestamp,
  content: Type.String(),
  status: Type.String(),
  created_at: Timestamp,
});

export const SocialLogsQuery = Type.Object({
  user_id: UserIdFilter,
  social: textFilter(SOCIAL_MAX, 'only this social network'),
  status: textFilter(STATUS_MAX, 'only this status'),
  from: timeFilter('only entries whose timestamp is at or after this instant'),
  to: timeFilter('only entries whose timestamp is at or before this instant'),
  ...PageQuery,
});

export const SocialLogsReply = Type.Object({ logs: Type.Array(SocialLogReply), ...PageReply });
