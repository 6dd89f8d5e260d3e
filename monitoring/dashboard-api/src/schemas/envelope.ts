import { Type, type TProperties } from 'typebox';
import { Timestamp } from './common.js';

const SourceReport = Type.Object(
  {
    status: Type.Union(
      [
        Type.Literal('ok'),
        Type.Literal('not_configured'),
        Type.Literal('unavailable'),
        Type.Literal('degraded'),
      ],
      {
        description:
          'ok: every query answered; not_configured: its variable is unset; unavailable: no ' +
          'query answered (unreachable, timed out, or each one refused); degraded: some did not',
      },
    ),
    queries: Type.Integer({ minimum: 0, description: 'queries this reply sent to the source' }),
    failed: Type.Integer({ minimum: 0 }),
    error: Type.Union([Type.String(), Type.Null()], {
      description: 'the first failure, e.g. "unavailable: connect ECONNREFUSED 10.0.0.5:9090"',
    }),
  },
  { description: 'How a data source answered this reply' },
);

const ReplyMetadata = Type.Object({
  version: Type.Literal('1.0'),
  last_update: Timestamp,
  data_source: Type.String(),
  response_time_ms: Type.Integer({ minimum: 0 }),
  sources: Type.Object(
    {
      prometheus: Type.Optional(SourceReport),
      auth_db: Type.Optional(SourceReport),
      user_db: Type.Optional(SourceReport),
    },
    { description: 'Each source this route reads, and how it answered' },
  ),
  null_fields: Type.Record(Type.String(), Type.String(), {
    description:
      'Every field of data that is null, by dotted path, with the reason: a source that is not ' +
      'configured or did not answer, no data in the window, or a value the system does not record',
    examples: [
      {
        'system_resources.cpu_usage_percent':
          'prometheus not configured: PROMETHEUS_URL is not set',
      },
    ],
  }),
});

const DataMetadata = Type.Object({
  data_source: Type.String(),
  last_updated: Timestamp,
  collection_time_ms: Type.Integer({ minimum: 0 }),
});

/** The original's envelope (docs/compatibility.md#dashboard), with the port's source report. */
export function Envelope(data: TProperties, description: string) {
  return Type.Object(
    {
      status: Type.Literal('success'),
      timestamp: Type.String({
        format: 'date-time',
        description: 'the instant every query of this reply was evaluated at',
      }),
      data: Type.Object({ ...data, metadata: DataMetadata }),
      metadata: ReplyMetadata,
    },
    { description },
  );
}
