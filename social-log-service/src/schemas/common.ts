import { Type, type TSchema } from 'typebox';

/** The error body of every response (docs/compatibility.md#errors). */
export const ErrorReply = Type.Object(
  {
    error: Type.String(),
    code: Type.String(),
    details: Type.Optional(Type.Unknown()),
  },
  { description: 'An error: a message and an UPPER_SNAKE code' },
);

/** The error statuses a route can answer, each with the shared error body. */
export function errorReplies(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorReply]));
}

/** RFC 3339 timestamps as the API writes them: UTC, fraction only when there is one. */
export const Timestamp = Type.String({ format: 'date-time', examples: ['2025-06-22T10:00:00Z'] });

// Query strings are text and could carry U+0000, which PostgreSQL text cannot hold.
const NO_NUL = '^[^\\u0000]*$';

/** An exact-match text filter of at most maxLength characters. */
export function textFilter(maxLength: number, description: string) {
  return Type.Optional(Type.String({ minLength: 1, maxLength, pattern: NO_NUL, description }));
}

/** A time-range bound of a query (checked again by parseRfc3339, which is stricter). */
export function timeFilter(description: string) {
  return Type.Optional(Type.String({ format: 'date-time', description }));
}

export const UserIdFilter = Type.Optional(
  Type.Integer({ minimum: 1, maximum: 2147483647, description: 'only this user' }),
);

export const MAX_PAGE_SIZE = 100;

/** page/limit of every listing. */
export const PageQuery = {
  page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1, description: 'from 1' }),
  limit: Type.Integer({
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: 20,
    description: `entries per page, at most ${MAX_PAGE_SIZE}`,
  }),
};

export const PageReply = {
  total: Type.Integer({ minimum: 0, description: 'entries matching the filters, all pages' }),
  page: Type.Integer({ minimum: 1 }),
  limit: Type.Integer({ minimum: 1 }),
};

export const bearerAuth = [{ bearerAuth: [] }];
export const serviceToken = [{ serviceToken: [] }];
