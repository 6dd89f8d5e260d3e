import { Type } from 'typebox';
import type { FastifyPluginAsync } from 'fastify';

export type ReadinessCheck = () => Promise<boolean>;

export interface HealthOptions {
  service: string;
  version: string;
  /** Named dependencies that must answer for the service to take traffic. */
  checks: Record<string, ReadinessCheck>;
}

/** RFC 3339 UTC without milliseconds, as the original's /health printed it. */
export function rfc3339Now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const HealthReply = Type.Object({
  service: Type.String(),
  status: Type.Literal('healthy'),
  timestamp: Type.String({ format: 'date-time' }),
  version: Type.String(),
});

const ReadyReply = Type.Object({
  service: Type.String(),
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  timestamp: Type.String({ format: 'date-time' }),
  checks: Type.Record(Type.String(), Type.Union([Type.Literal('up'), Type.Literal('down')])),
  error: Type.Optional(Type.String()),
  code: Type.Optional(Type.String()),
});

/** GET /health: liveness, never touches a dependency. GET /health/ready: every check, 503 if one fails. */
export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, options) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        operationId: 'getHealth',
        summary: 'Liveness',
        description: 'Answers 200 while the process runs; it never touches a dependency.',
        response: { 200: HealthReply },
      },
    },
    async () => ({
      service: options.service,
      status: 'healthy' as const,
      timestamp: rfc3339Now(),
      version: options.version,
    }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        operationId: 'getReadiness',
        summary: 'Readiness',
        description:
          'Answers 200 when every dependency (the database, and what the service adds) is up, ' +
          'and 503 naming the checks that failed otherwise.',
        response: { 200: ReadyReply, 503: ReadyReply },
      },
    },
    async (_request, reply) => {
      const results = await Promise.all(
        Object.entries(options.checks).map(async ([name, check]) => {
          const up = await check().catch(() => false);
          return [name, up ? ('up' as const) : ('down' as const)] as const;
        }),
      );
      const checks = Object.fromEntries(results);
      const ready = results.every(([, state]) => state === 'up');
      const body = {
        service: options.service,
        status: ready ? ('ready' as const) : ('not_ready' as const),
        timestamp: rfc3339Now(),
        checks,
      };
      if (ready) return body;
      return reply.code(503).send({ ...body, error: 'Service not ready', code: 'NOT_READY' });
    },
  );
};
