import { Type } from 'typebox';

/**
 * Every error body (docs/compatibility.md#errors). Some original errors carry one more key
 * (#generate, #scan), declared here so the response serializer keeps it.
 */
export const ErrorSchema = Type.Object(
  {
    error: Type.String(),
    code: Type.String(),
    details: Type.Optional(Type.Unknown()),
    event_id: Type.Optional(
      Type.String({ description: 'the conflicting event (409 on generate)' }),
    ),
    received_type: Type.Optional(
      Type.String({ description: 'the QR type that was sent (Tipo QR non supportato)' }),
    ),
    valid_statuses: Type.Optional(Type.Array(Type.String())),
  },
  { description: 'An error: a message for people and a code for programs' },
);

/** The error bodies a route can answer, by status. */
export function errors<const S extends readonly number[]>(
  ...statuses: S
): { [K in S[number] | 500 | 503]: typeof ErrorSchema } {
  return Object.fromEntries([...statuses, 500, 503].map((status) => [status, ErrorSchema])) as {
    [K in S[number] | 500 | 503]: typeof ErrorSchema;
  };
}

export const bearer = [{ bearerAuth: [] }];

export const DateTime = Type.String({ format: 'date-time', description: 'RFC 3339, UTC' });
export const NullableDateTime = Type.Union([DateTime, Type.Null()]);
export const DateOnly = Type.String({ format: 'date', description: 'YYYY-MM-DD' });

export const StatusSchema = Type.Union(
  [
    Type.Literal('present'),
    Type.Literal('not_registered'),
    Type.Literal('hospital'),
    Type.Literal('family'),
    Type.Literal('emergency'),
    Type.Literal('vacancy'),
    Type.Literal('personal'),
  ],
  { description: "one of the 7 attendance statuses, in the original's order" },
);

/** page/limit are read leniently, as the original did: junk falls back to the default. */
export const PageQuery = Type.Object({
  page: Type.Optional(Type.String({ description: 'page number from 1 (default 1)' })),
  limit: Type.Optional(Type.String({ description: 'rows per page, 1 to 100 (default 10)' })),
});

export const EventIdParams = Type.Object({
  event_id: Type.String({
    minLength: 1,
    maxLength: 200,
    // Fastify decodes %00; PostgreSQL would refuse it in a query (a 500 otherwise).
    pattern: '^[^\\u0000-\\u001f\\u007f]+$',
    description: 'the event id',
  }),
});

export const StatisticsSchema = Type.Object(
  {
    total_users: Type.Integer(),
    present_count: Type.Integer(),
    absent_count: Type.Integer(),
    scanned_count: Type.Integer(),
    attendance_rate: Type.Number({ description: 'present_count / total_users × 100, unrounded' }),
    status_breakdown: Type.Record(Type.String(), Type.Integer()),
  },
  { description: "the event's attendance counts, over the users listed for it" },
);
